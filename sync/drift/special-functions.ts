/**
 * The chi-square distribution the drift statistics need: its survival function (the
 * p-value of a Pearson test) and its quantile (the no-drift noise level of a JS
 * distance), through the regularised incomplete gamma functions P(a, x) and Q(a, x).
 *
 * P comes from its power series where x < a + 1 and Q from its continued fraction
 * (modified Lentz) elsewhere, each computed directly on the side where it is small, so
 * both keep ~1e-14 relative accuracy deep into the tails (Numerical Recipes, 3rd ed.,
 * §6.2; the same split as Cephes' `igam`/`igamc`, which scipy's `chi2.sf` calls).
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];
const MAX_ITERATIONS = 10_000;
const EPSILON = Number.EPSILON;
const TINY = 1e-300;

/** ln Γ(x) for x > 0: Lanczos' approximation (g = 7, 9 terms), ~1e-15 relative. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0 (got ${x})`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** x^a·e^(−x)/Γ(a), the factor both expansions share, in logs so large a and x do not overflow. */
function gammaPrefactor(a: number, x: number): number {
  return Math.exp(a * Math.log(x) - x - logGamma(a));
}

/** P(a, x) by its series Σ x^n / (a(a+1)…(a+n)), for x < a + 1. */
function lowerSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) <= Math.abs(sum) * EPSILON) break;
  }
  return sum * gammaPrefactor(a, x);
}

/** Q(a, x) by its continued fraction (modified Lentz), for x ≥ a + 1. */
function upperFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) <= EPSILON) break;
  }
  return h * gammaPrefactor(a, x);
}

/** The regularised lower incomplete gamma function P(a, x) = γ(a, x)/Γ(a). */
export function regularizedGammaP(a: number, x: number): number {
  checkShape(a);
  if (x <= 0) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? lowerSeries(a, x) : 1 - upperFraction(a, x);
}

/** The regularised upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a) = 1 − P(a, x). */
export function regularizedGammaQ(a: number, x: number): number {
  checkShape(a);
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - lowerSeries(a, x) : upperFraction(a, x);
}

function checkShape(a: number): void {
  if (!(a > 0 && Number.isFinite(a))) throw new RangeError(`the incomplete gamma function needs a finite shape a > 0 (got ${a})`);
}

function checkDof(dof: number): void {
  if (!(dof > 0 && Number.isFinite(dof))) throw new RangeError(`a chi-square distribution needs finite degrees of freedom > 0 (got ${dof})`);
}

/** P(X ≤ x) for X ~ χ²(dof). */
export function chiSquareCdf(x: number, dof: number): number {
  checkDof(dof);
  if (Number.isNaN(x)) throw new RangeError('chiSquareCdf: x is NaN');
  return regularizedGammaP(dof / 2, x / 2);
}

/** P(X > x) for X ~ χ²(dof): the p-value of a chi-square statistic x (as scipy's `chi2.sf`). */
export function chiSquareSurvival(x: number, dof: number): number {
  checkDof(dof);
  if (Number.isNaN(x)) throw new RangeError('chiSquareSurvival: x is NaN');
  return regularizedGammaQ(dof / 2, x / 2);
}

/** The χ²(dof) density at x > 0. */
function chiSquareDensity(x: number, dof: number): number {
  const k = dof / 2;
  return Math.exp((k - 1) * Math.log(x) - x / 2 - k * Math.LN2 - logGamma(k));
}

/**
 * The x with P(X ≤ x) = `probability` for X ~ χ²(dof) (as scipy's `chi2.ppf`).
 *
 * Starts from Wilson–Hilferty's cube-root normal approximation, then takes Newton steps
 * on the CDF (on the survival function above the median, so that 0.999 keeps its digits),
 * inside a bracket that every step narrows: a step that would leave it bisects instead,
 * so the answer converges even where the density is steep (dof 1 near 0) or flat (tails).
 *
 * @throws {RangeError} when `probability` is not in (0, 1) or `dof` is not > 0.
 */
export function chiSquareQuantile(probability: number, dof: number): number {
  if (!(probability > 0 && probability < 1)) throw new RangeError(`chiSquareQuantile: probability must be in (0, 1) (got ${probability})`);
  checkDof(dof);
  const upper = probability > 0.5;
  // residual(x) > 0 ⇔ x is below the quantile, on either side.
  const residual = upper ? (x: number) => chiSquareSurvival(x, dof) - (1 - probability) : (x: number) => probability - chiSquareCdf(x, dof);
  let lo = 0;
  let hi = Math.max(1, dof);
  while (residual(hi) > 0) {
    lo = hi;
    hi *= 2;
  }
  let x = Math.min(hi, Math.max(lo, wilsonHilferty(probability, dof)));
  if (!(x > lo && x < hi)) x = (lo + hi) / 2;
  for (let i = 0; i < 200; i++) {
    const r = residual(x);
    if (r === 0) return x;
    if (r > 0) lo = x;
    else hi = x;
    const step = r / chiSquareDensity(x, dof);
    let next = x + step;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - x) <= 1e-14 * Math.max(x, Number.MIN_VALUE) || hi - lo <= 1e-15 * hi) return next;
    x = next;
  }
  return x;
}

/** Wilson–Hilferty: χ²_k quantile ≈ k·(1 − 2/(9k) + z·√(2/(9k)))³, z the normal quantile. */
function wilsonHilferty(probability: number, dof: number): number {
  const v = 2 / (9 * dof);
  return dof * Math.max(0, 1 - v + normalQuantile(probability) * Math.sqrt(v)) ** 3;
}

/** The standard normal quantile, Acklam's rational approximation (~1e-9), good enough for a starting point. */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.928510446969, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
