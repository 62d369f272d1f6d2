// Class breaks for the dashboard's legends and choropleths (pure functions, tested in node).
// jenks(): Fisher–Jenks natural breaks (exact, dynamic programming; fine for the few hundred values of a
// map: beats or a sample of cells); with no more distinct values than classes each value gets its own
// class, so six beats with six different rates get six shades. classOf(): the class of a value.

// Upper bounds of `k` classes (ascending; the last is the maximum). Fewer when there are fewer values.
export function jenks(values, k) {
  const data = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const distinct = [...new Set(data)];
  if (distinct.length === 0) return [];
  if (distinct.length <= k) return distinct;
  const n = data.length;
  // lower[i][j]: index where class j of the first i values starts; variance[i][j]: their summed variance
  const lower = Array.from({ length: n + 1 }, () => new Array(k + 1).fill(0));
  const variance = Array.from({ length: n + 1 }, () => new Array(k + 1).fill(Infinity));
  for (let j = 1; j <= k; j += 1) { lower[1][j] = 1; variance[1][j] = 0; }
  for (let i = 2; i <= n; i += 1) {
    let sum = 0; let squares = 0; let w = 0; let v = 0;
    for (let m = 1; m <= i; m += 1) {
      const start = i - m + 1;
      const value = data[start - 1];
      w += 1; sum += value; squares += value * value;
      v = squares - (sum * sum) / w;
      if (start > 1) {
        for (let j = 2; j <= k; j += 1) {
          if (variance[i][j] >= v + variance[start - 1][j - 1]) {
            lower[i][j] = start;
            variance[i][j] = v + variance[start - 1][j - 1];
          }
        }
      }
    }
    lower[i][1] = 1;
    variance[i][1] = v;
  }
  const breaks = new Array(k);
  breaks[k - 1] = data[n - 1];
  let last = n;
  for (let j = k; j >= 2; j -= 1) {
    const start = lower[last][j] - 1;
    breaks[j - 2] = data[start - 1];
    last = start;
  }
  return [...new Set(breaks)];
}

// Upper bounds of `k` quantile classes (for many skewed values such as heat cells).
export function quantiles(values, k) {
  const data = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!data.length) return [];
  const breaks = [];
  for (let j = 1; j <= k; j += 1) breaks.push(data[Math.min(data.length - 1, Math.ceil((j * data.length) / k) - 1)]);
  return [...new Set(breaks)];
}

// Index of the class of `value` (0 … breaks.length - 1): the first class whose upper bound holds it.
export function classOf(value, breaks) {
  for (let i = 0; i < breaks.length; i += 1) if (value <= breaks[i]) return i;
  return breaks.length - 1;
}

// Legend rows [lower, upper] per class: the first starts at the minimum value.
export function ranges(breaks, min) {
  return breaks.map((upper, i) => [i === 0 ? min : breaks[i - 1], upper]);
}

// Colours spread over a ramp for `count` classes (the ramp's ends kept).
export function spread(ramp, count) {
  if (count <= 1) return [ramp[ramp.length - 1]];
  return Array.from({ length: count }, (_, i) => ramp[Math.round((i * (ramp.length - 1)) / (count - 1))]);
}
