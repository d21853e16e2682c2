/**
 * The error catalog's cases: for every error class, calls that raise it, eagerly and under
 * transforms. Each `code` is plain JS, run as written (the same text is printed in
 * docs/errors.md, so the page shows exactly what produced each message). `names` are fragments
 * the message must contain: the operation and the user-facing function, the shapes / dtypes /
 * tree paths involved, and the fix.
 */

export interface ErrorCase {
  /** The exact class the call raises. */
  cls: string;
  /**
   * Where it is raised: "eager" (no transform is tracing), the transforms the call is traced
   * under (innermost first, as the message's note says), or the transform whose own arguments or
   * result are wrong.
   */
  where: string;
  /** The user-facing function that fails. */
  op: string;
  /** Plain JS statements (names from `CONTEXT` in scope) that throw. */
  code: string;
  /** Fragments the message must contain: operation, shapes/dtypes/paths, fix. */
  names: readonly string[];
}

export const CASES: readonly ErrorCase[] = [
  // ShapeError ---------------------------------------------------------------------------------
  {
    cls: "ShapeError",
    where: "eager",
    op: "np.add",
    code: "np.add(np.ones([2, 3]), np.ones([4]))",
    names: ["[2,3]", "[4]", "dimension -1 is 3 in one and 4 in another", "reshape or expandDims"],
  },
  {
    cls: "ShapeError",
    where: "jit",
    op: "Array.add",
    code: "jit((x, b) => x.add(b))(np.ones([2, 3]), np.ones([2]))",
    names: ["[2,3]", "[2]", "reshape or expandDims", "raised while tracing under jit"],
  },
  {
    cls: "ShapeError",
    where: "vmap",
    op: "np.matmul",
    code: "vmap((a) => np.matmul(a, np.ones([4, 2])))(np.ones([5, 3]))",
    names: ["matmul", "f32[4,2]", "inner dimensions 3 and 4", "raised while tracing under vmap"],
  },
  {
    cls: "ShapeError",
    where: "eager",
    op: "np.reshape",
    code: "np.reshape(np.ones([2, 3]), [4, 2])",
    names: ["reshape", "f32[2,3] (6 elements)", "[4,2] (8 elements)", "-1"],
  },
  {
    cls: "ShapeError",
    where: "eager",
    op: "np.concatenate",
    code: "np.concatenate([np.ones([2, 3]), np.ones([2, 4])], 0)",
    names: ["concatenate", "[2,3], [2,4]", "axis 0", "pass the axis they differ on"],
  },
  {
    cls: "ShapeError",
    where: "grad",
    op: "nn.mse",
    code: "grad((p) => nn.mse(p, np.ones([3, 1])))(np.ones([3]))",
    names: ["mse", "f32[3]", "f32[3,1]", "reshape one", "raised while tracing under grad"],
  },
  {
    cls: "ShapeError",
    where: "eager",
    op: "nn.dense apply",
    code: "const layer = nn.dense(2);\nconst [, p] = layer.init(random.key(0), [1, 3]);\nlayer.apply(p, np.ones([1, 4]))",
    names: ["dense", "4", "3"],
  },
  {
    cls: "ShapeError",
    where: "eager",
    op: "scan",
    code: "scan((c, x) => [c.add(x), x], np.zeros([2]), { a: np.ones([3, 2]), b: np.ones([4, 2]) })",
    names: ["scan", "xs.a f32[3,2]", "xs.b f32[4,2]", "slice them to one length"],
  },
  {
    cls: "ShapeError",
    where: "cond, inside scan, inside jit",
    op: "cond inside a scan body",
    code: "jit((xs) => scan((c, x) => [cond(x.gt(0), (a) => a.add(np.ones([3])), (a) => a, c), x], np.zeros([2]), xs))(np.ones([4]))",
    names: ["add", "[2]", "[3]", "raised while tracing under cond, inside scan, inside jit"],
  },
  // AxisError ----------------------------------------------------------------------------------
  {
    cls: "AxisError",
    where: "eager",
    op: "np.sum",
    code: "np.sum(np.ones([2, 3]), 2)",
    names: ["sum", "axis 2", "2", "-2..1"],
  },
  {
    cls: "AxisError",
    where: "jit",
    op: "nn.softmax",
    code: "jit((x) => nn.softmax(x, 1))(np.ones([3]))",
    names: ["softmax", "axis 1", "rank 1", "-1..0", "raised while tracing under jit"],
  },
  {
    cls: "AxisError",
    where: "eager",
    op: "np.transpose",
    code: "np.transpose(np.ones([2, 3]), [0, 0])",
    names: ["transpose", "[0,0]", "f32[2,3]", "permutation"],
  },
  {
    cls: "AxisError",
    where: "vmap",
    op: "np.sum with a repeated axis",
    code: "vmap((x) => np.sum(x, [0, 0]))(np.ones([2, 3]))",
    names: ["sum", "axis 0 is repeated", "[0,0]", "list each axis once", "raised while tracing under vmap"],
  },
  // DTypeError ---------------------------------------------------------------------------------
  {
    cls: "DTypeError",
    where: "eager",
    op: "np.zeros",
    code: 'np.zeros([2], "float16")',
    names: ["zeros", "float16", "float32"],
  },
  {
    cls: "DTypeError",
    where: "eager",
    op: "Array.add with an out-of-range JS number",
    code: 'np.array([1, 2], "int32").add(2 ** 31)',
    names: ["add", "2147483648", "int32", "astype('float64')"],
  },
  {
    cls: "DTypeError",
    where: "jit",
    op: "np.add with a JS list",
    code: "jit((x) => np.add(x, [1, 2]))(np.ones([2]))",
    names: ["add", "argument 1", "JS array", "np.array", "raised while tracing under jit"],
  },
  {
    cls: "DTypeError",
    where: "eager",
    op: "np.take with float indices",
    code: "np.take(np.ones([3]), np.array([0.5, 1]))",
    names: ["take", "f32[2]", "float32", "int32 or uint32", 'astype("int32")'],
  },
  {
    cls: "DTypeError",
    where: "grad",
    op: "Array.astype with an unknown dtype",
    code: 'grad((x) => np.sum(x.astype("int64")))(np.ones([2]))',
    names: ["astype", "int64", "float32, float64, int32, uint32, bool", "raised while tracing under grad"],
  },
  // ValueError ---------------------------------------------------------------------------------
  {
    cls: "ValueError",
    where: "eager",
    op: "np.array (ragged)",
    code: "np.array([[1, 2], [3]])",
    names: ["array", "[1]", "1 entries", "siblings have 2"],
  },
  {
    cls: "ValueError",
    where: "eager",
    op: "np.array (a string entry)",
    code: 'np.array([1, "2"])',
    names: ["array", "[1]", 'the string "2"', "Number(s)"],
  },
  {
    cls: "ValueError",
    where: "eager",
    op: "np.array (NaN into int32)",
    code: 'np.array(new Float64Array([1, NaN]), "int32")',
    names: ["array", "NaN", "flat index 1", "int32", "Fix:"],
  },
  {
    cls: "ValueError",
    where: "eager",
    op: "Array.item",
    code: "np.ones([2, 3]).item()",
    names: ["item", "[2,3]", "6 elements", "x.sum()"],
  },
  {
    cls: "ValueError",
    where: "eager",
    op: "number conversion of an array",
    code: "const loss = np.ones([3]);\nif (loss < 1) console.log('small');",
    names: ["number conversion", "f32[3]", "3 elements", "x.sum()", "np.where"],
  },
  {
    cls: "ValueError",
    where: "eager",
    op: "np.max of an empty axis",
    code: "np.max(np.zeros([0, 3]), 0)",
    names: ["max", "f32[0,3]", "no identity"],
  },
  {
    cls: "ValueError",
    where: "eager",
    op: "datasets.batches",
    code: "datasets.batches(null, { x: np.ones([10, 2]), y: np.ones([9]) }, 4)",
    names: ["batches", "data.y", "9 rows", "data.x has 10"],
  },
  {
    cls: "ValueError",
    where: "eager",
    op: "datasets.parseDigitsCsv",
    code: 'datasets.parseDigitsCsv("1,2,3\\n", "upload.csv")',
    names: ["digits", "upload.csv", "row 1", "expected 65 comma-separated values", "expected 1797 rows"],
  },
  {
    cls: "ValueError",
    where: "eager",
    op: "optim.applyUpdates",
    code: "optim.applyUpdates({ w: np.ones([2]) }, { w: 0.5 })",
    names: ["applyUpdates", "update leaf w", "number 0.5", "np.array"],
  },
  {
    cls: "ValueError",
    where: "jit",
    op: "np.max of an empty axis",
    code: "jit((x) => np.max(x, 0))(np.zeros([0, 3]))",
    names: ["max", "f32[0,3]", "no identity", "raised while tracing under jit"],
  },
  // ConcretizationError ------------------------------------------------------------------------
  {
    cls: "ConcretizationError",
    where: "jit",
    op: "a JS if on a traced array",
    code: "jit((x) => (x.sum() > 0 ? x : x.neg()))(np.ones([3]))",
    names: ["number conversion", "f32[]", "jit", "np.where", "staticArgnums"],
  },
  {
    cls: "ConcretizationError",
    where: "vmap",
    op: "Array.item under vmap",
    code: "vmap((x) => np.full([2], x.item()))(np.ones([3]))",
    names: ["item", "f32[]", "vmap", "np.where"],
  },
  {
    cls: "ConcretizationError",
    where: "jit",
    op: "a shape from a traced value",
    code: "jit((n) => np.zeros([n.item()]))(3)",
    names: ["item", "i32*[]", "jit", "staticArgnums"],
  },
  // LeakedTracerError --------------------------------------------------------------------------
  {
    cls: "LeakedTracerError",
    where: "eager (after jit returned)",
    op: "using a tracer saved from inside jit",
    code: "let saved;\njit((x) => { saved = x; return x.mul(2); })(np.ones([2]));\nsaved.add(1)",
    names: ["f32[2]", "leaked", "Return values from the transformed function"],
  },
  // TreeError ----------------------------------------------------------------------------------
  {
    cls: "TreeError",
    where: "eager",
    op: "tree.map over two trees",
    code: "tree.map((a, b) => a.add(b), { w: np.ones([2]), b: np.ones([2]) }, { w: np.ones([2]) })",
    names: ["tree.map", "keys", "b"],
  },
  {
    cls: "TreeError",
    where: "eager",
    op: "optim.applyUpdates with a different structure",
    code: "optim.applyUpdates({ layers: [{ w: np.ones([2]) }] }, { layers: [{ w: np.ones([3]) }] })",
    names: ["applyUpdates", "params.layers[0].w", "f32[2]", "f32[3]"],
  },
  {
    cls: "TreeError",
    where: "jit",
    op: "a cyclic argument",
    code: "const p = { w: np.ones([2]) };\np.self = p;\njit((q) => q.w)(p)",
    names: ["jit", "cycle", "argument[0].self", "acyclic"],
  },
  {
    cls: "TreeError",
    where: "grad",
    op: "grad of a cyclic argument",
    code: "const p = { w: np.ones([2]) };\np.self = p;\ngrad((q) => np.sum(q.w))(p)",
    names: ["grad", "cycle", "argument 0.self", "acyclic"],
  },
  {
    cls: "TreeError",
    where: "eager",
    op: "vjp with a cotangent of the wrong structure",
    code: "const [, pull] = vjp((p) => ({ a: p.w.mul(2), b: p.w }), { w: np.ones([2]) });\npull({ a: np.ones([2]) })",
    names: ["vjp", "cotangent vs output", "keys [a, b]", "missing b"],
  },
  // TransformError -----------------------------------------------------------------------------
  {
    cls: "TransformError",
    where: "grad",
    op: "grad of a non-scalar function",
    code: "grad((x) => x.mul(2))(np.ones([3]))",
    names: ["grad", "f32[3]", "np.sum(y)", "vjp/jacrev"],
  },
  {
    cls: "TransformError",
    where: "grad",
    op: "grad with an int32 input",
    code: 'grad((x) => np.sum(x))(np.array([1, 2], "int32"))',
    names: ["grad", "argument 0", "int32", "astype('float32')"],
  },
  {
    cls: "TransformError",
    where: "grad",
    op: "grad argnums out of range",
    code: "grad((x, y) => np.sum(x.mul(y)), { argnums: 2 })(np.ones([2]), np.ones([2]))",
    names: ["grad", "argnums 2", "2 argument(s)", "count from 0"],
  },
  {
    cls: "TransformError",
    where: "vmap",
    op: "vmap over different batch sizes",
    code: "vmap((a, b) => a.add(b))(np.ones([3, 2]), np.ones([4, 2]))",
    names: ["vmap", "argument 0 (f32[3,2]) has size 3", "argument 1 (f32[4,2]) has size 4", "inAxes"],
  },
  {
    cls: "TransformError",
    where: "jit",
    op: "jit with a non-hashable static argument",
    code: "jit((x, f) => f(x), { staticArgnums: [1] })(np.ones([2]), (v) => v)",
    names: ["jit", "static argument 1", "a function", "not hashable"],
  },
  {
    cls: "TransformError",
    where: "grad",
    op: "grad through whileLoop",
    code: "grad((x) => whileLoop((c) => c.sum().lt(10), (c) => c.mul(2), x).sum())(np.ones([2]))",
    names: ["whileLoop", "reverse-mode", "scan or foriLoop", "raised while tracing under grad"],
  },
  {
    cls: "TransformError",
    where: "jvp",
    op: "jvp of a customVjp function",
    code: "const f = customVjp((x) => x.mul(2), (x) => [x.mul(2), null], (_r, g) => [g.mul(2)]);\njvp(f, [np.ones([2])], [np.ones([2])])",
    names: ["customVjp", "forward-mode", "customJvp", "raised while tracing under jvp"],
  },
  {
    cls: "TransformError",
    where: "jit",
    op: "cond with branches of different shapes",
    code: "jit((x) => cond(x.sum().gt(0), (a) => a, (a) => a.sum(), x))(np.ones([2]))",
    names: ["cond", "trueFn returns f32[2]", "falseFn returns f32[]", "same shapes and dtypes", "raised while tracing under jit"],
  },
  {
    cls: "TransformError",
    where: "jit",
    op: "jit of a function returning a string",
    code: 'jit((x) => ({ y: x, note: "done" }))(np.ones([2]))',
    names: ["jit", "output.note", 'the string "done"', "axle Array or a JS number"],
  },
  // IrTypeError --------------------------------------------------------------------------------
  {
    cls: "IrTypeError",
    where: "eager",
    op: "typecheck of a hand-edited IR",
    code:
      "const ir = makeIr((x) => x.add(1))(np.ones([3]));\n" +
      'const wrong = { ...ir.eqns[0], outVars: [new Var(new ShapedArray([4], "float32"))] };\n' +
      "typecheck(new Ir(ir.constVars, ir.consts, ir.inVars, [wrong], wrong.outVars))",
    names: ["typecheck", "equation 0 (add)", "f32[3]", "f32[4]"],
  },
  // GradCheckError -----------------------------------------------------------------------------
  {
    cls: "GradCheckError",
    where: "eager (checkGrads)",
    op: "checkGrads of a wrong custom JVP",
    code:
      "const f = customJvp((x) => np.sin(x), ([x], [t]) => [np.sin(x), t.mul(np.sin(x))]);\n" +
      'checkGrads(f, [np.array([0.5, 1], "float64")], { modes: ["fwd"] })',
    names: ["checkGrads", "forward-mode order 1", "argument 0", "element [0]", "central differences", "customJvp rule"],
  },
  // FloatingPointError -------------------------------------------------------------------------
  {
    cls: "FloatingPointError",
    where: "eager (debugNans)",
    op: "np.log",
    code: "withConfig({ debugNans: true }, () => np.log(np.array([1, -1])))",
    names: ["debugNans", "log produced a NaN", "f32[2]", "eager", "<anonymous>:", "log/sqrt of a negative"],
  },
  {
    cls: "FloatingPointError",
    where: "jit (debugInfs)",
    op: "np.divide",
    code: "withConfig({ debugInfs: true }, () => jit((x) => np.divide(1, x))(np.zeros([3])))",
    names: ["div produced an infinity", "f32[3]", "inside jit(", "<anonymous>:", "division by zero"],
  },
  // DeletedArrayError --------------------------------------------------------------------------
  {
    cls: "DeletedArrayError",
    where: "eager (after a donated jit call)",
    op: "Array.add on a donated array",
    code:
      "const step = jit(function step(w, g) { return w.sub(g.mul(0.1)); }, { donateArgnums: 0 });\n" +
      "const w = np.ones([3]);\n" +
      "const w2 = step(w, np.ones([3]));\n" +
      "w.add(1)",
    names: [
      "f32[3]",
      "donated to jit(step) as argument 0",
      "cannot be read",
      "Use the jitted function's outputs",
      "donateArgnums",
    ],
  },
  {
    cls: "TransformError",
    where: "jit (donateArgnums)",
    op: "jit called with one array donated and passed again",
    code: "const step = jit((w, v) => w.add(v), { donateArgnums: 0 });\n" + "const w = np.ones([3]);\n" + "step(w, w)",
    names: ["argument 0 is donated", "f32[3]", "also passed", "np.copy(x)"],
  },
];
