// GPS done right: a fresh fix each time (maximumAge 0: never a cached position, which let a visit made
// 3 km away reuse the previous fix), with a timeout, its accuracy and the time it was taken.

export const FIX_TIMEOUT_MS = 15000;
export const FIX_MAX_AGE_MS = 30000; // a fix older than this is taken again before a visit is saved

// → {lon, lat, accuracy_m, at (ms)} or null when refused, unavailable or timed out.
export function freshFix({ timeout = FIX_TIMEOUT_MS } = {}) {
  if (!navigator.geolocation) return Promise.resolve(null);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ lon: pos.coords.longitude, lat: pos.coords.latitude, accuracy_m: pos.coords.accuracy,
        at: Date.now() }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout, maximumAge: 0 });
  });
}

export function isStale(fix, now = Date.now()) {
  return !fix || now - fix.at > FIX_MAX_AGE_MS;
}

