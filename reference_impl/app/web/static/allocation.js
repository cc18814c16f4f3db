// The allocation rule of reference_impl/app/ALLOCATION.md, exactly as the Python app applies
// it (rational arithmetic with BigInt): m_i = clamp(λ·S_i, L_i, S_i) with Σ m_i = M, rounded
// down to cents, the cents left over to the largest fractional parts (ties in scheme order).

const big = BigInt;

function floorOf(claim) {
  const needed = Math.max(claim.minimum, Math.ceil(claim.total / claim.maxTerms));
  return Math.min(claim.total, needed);
}

export function minimumMonthly(claims) {
  return claims.reduce((sum, c) => sum + floorOf(c), 0);
}

// Fractions as [numerator, denominator] of BigInt, denominator > 0.
const less = (a, b) => a[0] * b[1] < b[0] * a[1];
const lessEq = (a, b) => a[0] * b[1] <= b[0] * a[1];
const clampShare = (level, claim) => {  // clamp(level·S, L, S) as a fraction
  const exact = [level[0] * big(claim.total), level[1]];
  const low = [big(floorOf(claim)), 1n];
  const high = [big(claim.total), 1n];
  if (less(exact, low)) return low;
  if (less(high, exact)) return high;
  return exact;
};
const spent = (level, claims) => claims.reduce((sum, c) => {
  const share = clampShare(level, c);
  return [sum[0] * share[1] + share[0] * sum[1], sum[1] * share[1]];
}, [0n, 1n]);

function level(monthly, claims) {
  const points = [[0n, 1n], [1n, 1n], ...claims.map((c) => [big(floorOf(c)), big(c.total)])]
    .sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0));
  const target = [big(monthly), 1n];
  for (let i = 0; i + 1 < points.length; i += 1) {
    const [low, high] = [points[i], points[i + 1]];
    if (!lessEq(target, spent(high, claims))) continue;
    const atFloor = (c) => lessEq(high, [big(floorOf(c)), big(c.total)]);
    const fixed = claims.filter(atFloor).reduce((s, c) => s + big(floorOf(c)), 0n);
    const free = claims.filter((c) => !atFloor(c)).reduce((s, c) => s + big(c.total), 0n);
    if (free === 0n) return low;
    let value = [big(monthly) - fixed, free];
    if (less(value, low)) value = low;
    if (less(high, value)) value = high;
    return value;
  }
  return [1n, 1n];
}

/** Per OIN the monthly amount in cents; throws {minimum} when `monthly` is too low. */
export function allocate(monthly, claims) {
  const total = claims.reduce((s, c) => s + c.total, 0);
  if (!claims.length) throw new Error("er is niets te verdelen");
  if (monthly >= total) return Object.fromEntries(claims.map((c) => [c.oin, c.total]));
  const lowest = minimumMonthly(claims);
  if (monthly < lowest) throw Object.assign(new Error("maandbedrag te laag"), { minimum: lowest });
  const lambda = level(monthly, claims);
  const exact = claims.map((c) => clampShare(lambda, c));
  const shares = exact.map(([n, d]) => n / d);
  const fractions = exact.map(([n, d], i) => [n - shares[i] * d, d]);
  let left = big(monthly) - shares.reduce((s, x) => s + x, 0n);
  const order = claims.map((_c, i) => i).sort((i, j) => {
    const [a, b] = [fractions[i], fractions[j]];
    if (less(b, a)) return -1;
    if (less(a, b)) return 1;
    return i - j;
  });
  while (left > 0n) {
    for (const i of order) {
      if (left > 0n && shares[i] < big(claims[i].total)) {
        shares[i] += 1n;
        left -= 1n;
      }
    }
  }
  return Object.fromEntries(claims.map((c, i) => [c.oin, Number(shares[i])]));
}

/** The first (largest) month's interest on `total` at `basispunten` a year (rule 2.2). */
export const interestReserve = (total, basispunten) => Math.floor((total * basispunten) / 120000);
