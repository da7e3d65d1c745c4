/**
 * The chi-square distribution's survival function and quantile, through the
 * regularised incomplete gamma function (Numerical Recipes' series and continued
 * fraction, relative accuracy ~1e-14).
 */

/** ln Γ(x), Lanczos (g = 7, n = 9). */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(a, x), the regularised lower incomplete gamma function. */
function lowerGamma(a: number, x: number): number {
  if (x <= 0) return 0;
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
  }
  return 1 - upperGamma(a, x);
}

/** Q(a, x) = 1 − P(a, x), by Lentz's continued fraction for x ≥ a + 1. */
function upperGamma(a: number, x: number): number {
  if (x < a + 1) return 1 - lowerGamma(a, x);
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** P(X > x) for X ~ χ²(dof). */
export function chiSquareSurvival(x: number, dof: number): number {
  if (!(dof > 0)) throw new RangeError(`chi-square needs dof > 0 (got ${dof})`);
  if (x <= 0) return 1;
  return Math.min(1, Math.max(0, upperGamma(dof / 2, x / 2)));
}

/** The x with P(X ≤ x) = probability for X ~ χ²(dof): bisection on the CDF, to 1e-12 relative. */
export function chiSquareQuantile(probability: number, dof: number): number {
  if (!(probability > 0 && probability < 1)) throw new RangeError(`probability must be in (0, 1) (got ${probability})`);
  if (!(dof > 0)) throw new RangeError(`chi-square needs dof > 0 (got ${dof})`);
  const target = 1 - probability;
  let lo = 0;
  let hi = Math.max(1, dof);
  while (chiSquareSurvival(hi, dof) > target) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (chiSquareSurvival(mid, dof) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
