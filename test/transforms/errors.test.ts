/** Every misuse is a typed error whose message names the problem and the fix. */
import { describe, expect, test } from "vitest";
import type { Array } from "../../src/index.js";
import {
  AxleError,
  ConcretizationError,
  grad,
  jacrev,
  jit,
  jvp,
  LeakedTracerError,
  makeIr,
  np,
  TransformError,
  valueAndGrad,
  vjp,
  vmap,
} from "../../src/index.js";

type ErrorClass = new (...args: never[]) => Error;

function thrown(cls: ErrorClass, f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    expect(e).toBeInstanceOf(AxleError);
    return e as Error;
  }
  throw new Error(`expected a ${cls.name}, nothing was thrown`);
}

const x3 = np.array([1, 2, 3], "float32");

describe("grad", () => {
  test("of a non-scalar output", () => {
    const e = thrown(TransformError, () => grad((v: Array) => v.mul(2))(x3));
    expect(e.message).toContain("grad: the function must return a float scalar (shape []), got f32[3]");
    expect(e.message).toContain("np.sum(y)");
    expect(e.message).toContain("jacrev");
  });

  test("of an integer output", () => {
    const e = thrown(TransformError, () => grad((v: Array) => v.astype("int32").sum())(x3));
    expect(e.message).toContain("got i32[]");
    expect(e.message).toContain("astype('float32')");
  });

  test("of a JS array output without hasAux", () => {
    const f = (v: Array) => [v.sum(), v] as unknown as Array;
    const e = thrown(TransformError, () => grad(f)(x3));
    expect(e.message).toContain("pass { hasAux: true }");
  });

  test("with respect to an integer input names the argument and its path", () => {
    const e = thrown(TransformError, () => grad((v: Array) => v.astype("float32").sum())(np.array([1, 2], "int32")));
    expect(e.message).toContain("grad: argument 0 has dtype int32 (i32[2])");
    expect(e.message).toContain("only float32/float64 inputs can be differentiated");
    const p = { w: x3, steps: np.array(3, "int32") };
    const e2 = thrown(TransformError, () => grad((q: typeof p) => q.w.sum())(p));
    expect(e2.message).toContain("argument 0.steps has dtype int32");
  });

  test("argnums out of range", () => {
    const f = (a: Array, b: Array) => a.mul(b).sum();
    const e = thrown(TransformError, () => grad(f, { argnums: 2 })(x3, x3));
    expect(e.message).toBe(
      "grad: argnums 2 refers to argument 2, but the function was called with 2 argument(s); argnums count from 0 (valid: -2..1, negative from the end)",
    );
    const e2 = thrown(TransformError, () => valueAndGrad(f, { argnums: [0, -3] })(x3, x3));
    expect(e2.message).toContain("valueAndGrad: argnums [0,-3] refers to argument -3");
    thrown(TransformError, () => jacrev(f, { argnums: 5 })(x3, x3));
  });

  test("a non-array leaf in a differentiated argument", () => {
    const e = thrown(TransformError, () => grad((p: { w: Array; name: string }) => p.w.sum())({ w: x3, name: "layer" }));
    expect(e.message).toContain('argument 0.name is the string "layer"');
  });
});

describe("vmap", () => {
  test("axis sizes that disagree name both arguments and sizes", () => {
    const f = (a: Array, b: Array) => a.add(b);
    const e = thrown(TransformError, () => vmap(f)(np.ones([3, 2]), np.ones([4, 2])));
    expect(e.message).toBe(
      "vmap: the mapped axes have different sizes: argument 0 (f32[3,2]) has size 3 at axis 0, " +
        "but argument 1 (f32[4,2]) has size 4 at axis 0; every mapped input must have the batch size along its " +
        "mapped axis (inAxes picks the axis; null leaves an input unmapped)",
    );
    const e2 = thrown(TransformError, () =>
      vmap((p: { a: Array; b: Array }) => p.a, { inAxes: { a: 0, b: 1 } })({ a: np.ones([3]), b: np.ones([2, 5]) }),
    );
    expect(e2.message).toContain("argument 0.a (f32[3]) has size 3 at axis 0");
    expect(e2.message).toContain("argument 0.b (f32[2,5]) has size 5 at axis 1");
  });

  test("inAxes list length must match the arguments", () => {
    const e = thrown(TransformError, () => vmap((a: Array, b: Array) => a.add(b), { inAxes: [0] })(x3, x3));
    expect(e.message).toContain("inAxes has 1 entries but the function was called with 2 argument(s)");
  });

  test("inAxes must be a tree prefix of the arguments", () => {
    const f = (p: { w: Array; b: Array }) => p.w.add(p.b);
    const args = { w: np.ones([3, 2]), b: np.ones([3, 2]) };
    const e = thrown(TransformError, () => vmap(f, { inAxes: [{ w: 0, c: 0 }] })(args));
    expect(e.message).toContain("the axis spec at argument 0 has keys [c,w] but the value has keys [b,w]");
    const e2 = thrown(TransformError, () => vmap(f, { inAxes: [[0, 0]] })(args));
    expect(e2.message).toContain("the axis spec at argument 0 is a list of 2, but the value there is an object");
    const e3 = thrown(TransformError, () => vmap((l: Array[]) => l[0], { inAxes: [[0, 0, 0]] })([x3, x3]));
    expect(e3.message).toContain("is a list of 3, but the value there is a list of 2");
  });

  test("an in axis out of range, and nothing mapped", () => {
    const e = thrown(TransformError, () => vmap((a: Array) => a, { inAxes: 2 })(np.ones([3, 2])));
    expect(e.message).toContain("in axis 2 for argument 0 (f32[3,2]) is out of range for its rank 2");
    const e2 = thrown(TransformError, () => vmap((a: Array) => a, { inAxes: null })(x3));
    expect(e2.message).toContain("no argument is mapped");
  });

  test("JS control flow on a batched value", () => {
    const e = thrown(ConcretizationError, () => vmap((a: Array) => (a.item() > 0 ? a : a.neg()))(x3));
    expect(e.message).toContain("np.where");
  });
});

describe("leaked tracers", () => {
  test("a tracer saved inside grad and used after it returned", () => {
    let saved: Array | undefined;
    grad((v: Array) => {
      saved = v.mul(2);
      return v.sum();
    })(x3);
    const e = thrown(LeakedTracerError, () => (saved as Array).add(1));
    expect(e.message).toContain("the tracer leaked");
  });

  test("a tracer saved inside jit and used after it returned", () => {
    let saved: Array | undefined;
    jit((v: Array) => {
      saved = v;
      return v.mul(2);
    })(x3);
    expect(String(saved)).toBe("Traced<f32[3]>(jit)");
    const e = thrown(LeakedTracerError, () => np.sin(saved as Array));
    expect(e.message).toContain("sin: a traced array f32[3] from an earlier transform was used after that transform returned");
  });

  test("a tracer saved inside vmap and used inside a later transform", () => {
    let saved: Array | undefined;
    vmap((v: Array) => {
      saved = v;
      return v;
    })(x3);
    thrown(LeakedTracerError, () => grad((v: Array) => v.mul(saved as Array).sum())(x3));
  });
});

describe("jit", () => {
  test("JS control flow on a traced value throws ConcretizationError mentioning np.where", () => {
    const f = (v: Array) => (v.item() > 0 ? v.mul(2) : v.neg());
    const e = thrown(ConcretizationError, () => jit(f)(np.array(1.5)));
    expect(e.message).toContain("item: cannot read the value of a traced array f32[] inside jit");
    expect(e.message).toContain("np.where(cond, a, b)");
    expect(e.message).toContain("staticArgnums");
    thrown(ConcretizationError, () => makeIr(f)(np.array(1.5)));
    // the np.where version works
    const g = jit((v: Array) => np.where(v.gt(0), v.mul(2), v.neg()));
    expect(g(np.array(1.5)).item()).toBe(3);
    expect(g(np.array(-1.5)).item()).toBe(1.5);
  });

  test("JS control flow on concrete values works under grad and jvp", () => {
    const f = (v: Array) => (v.item() > 0 ? v.square() : v.mul(-3));
    expect(grad(f)(np.array(2)).item()).toBe(4);
    expect(grad(f)(np.array(-2)).item()).toBe(-3);
    expect(grad(grad(f))(np.array(2)).item()).toBe(2);
    expect(jvp(f, [np.array(-1)], [np.array(1)])[1].item()).toBe(-3);
    const [, back] = vjp(f, np.array(3));
    expect(back(np.array(1))[0].item()).toBe(6);
  });

  test("a static argument that is not hashable", () => {
    const f = (v: Array, act: unknown) => v.mul(2).add(act === null ? 0 : 1);
    const e = thrown(TransformError, () => jit(f, { staticArgnums: 1 })(x3, (y: number) => y));
    expect(e.message).toContain("jit: static argument 1 is a function, which is not hashable");
    class Config {
      scale = 2;
    }
    const e2 = thrown(TransformError, () => jit(f, { staticArgnums: [1] })(x3, { inner: new Config() }));
    expect(e2.message).toContain("static argument 1.inner is an instance of Config, which is not hashable");
    expect(e2.message).toContain("numbers, strings, booleans, null, or plain objects/arrays of them");
    const e3 = thrown(TransformError, () => jit(f, { staticArgnums: 1 })(x3, x3));
    expect(e3.message).toContain("an instance of ConcreteArray");
  });

  test("a non-array argument that is not static", () => {
    const e = thrown(TransformError, () => jit((v: Array, s: string) => v.mul(s.length))(x3, "abc"));
    expect(e.message).toContain('is the string "abc"');
    expect(e.message).toContain("static");
  });
});

describe("tangents and cotangents must mirror their primals", () => {
  const f = (p: { w: Array }) => p.w.sum();
  test("jvp names the tangent leaf whose shape differs, and a structure mismatch's path", () => {
    expect(() => jvp(f, [{ w: np.ones([3]) }], [{ w: np.ones([2]) }])).toThrow(
      "jvp: tangents vs primals: primals[0].w: expected f32[3], got f32[2]",
    );
    expect(() => jvp(f, [{ w: np.ones([3]) }], [{ v: np.ones([3]) } as never])).toThrow("structure mismatch at [0]");
  });
  test("a vjp pullback names the output its cotangent does not match", () => {
    const [, back] = vjp((x: Array) => x.mul(2), np.ones([3]));
    expect(() => back(np.ones([2]))).toThrow("vjp: cotangent vs output: output: expected f32[3], got f32[2]");
  });
});
