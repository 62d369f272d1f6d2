// IndexedDB of the app: the offline beat pack ('pack', one record 'current') and the outbox ('outbox',
// items in the order they were made: an auto-increment `seq`). Promise wrappers over the raw API.
const NAME = 'holomap';
const VERSION = 1;
let opening = null;

export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains('pack')) db.createObjectStore('pack');
        if (!db.objectStoreNames.contains('outbox')) db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => { opening = null; reject(request.error); };
    });
  }
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function store(name, mode) {
  const db = await openDb();
  return db.transaction(name, mode).objectStore(name);
}

export const idb = {
  get: async (name, key) => done((await store(name, 'readonly')).get(key)),
  all: async (name) => done((await store(name, 'readonly')).getAll()),
  put: async (name, value, key) => done((await store(name, 'readwrite')).put(value, key)),
  add: async (name, value) => done((await store(name, 'readwrite')).add(value)),
  del: async (name, key) => done((await store(name, 'readwrite')).delete(key)),
  clear: async (name) => done((await store(name, 'readwrite')).clear()),
};

// Ask the browser to keep this site's storage under pressure (IndexedDB is evicted otherwise).
export async function askPersistence() {
  try {
    if (navigator.storage?.persist) return await navigator.storage.persist();
  } catch (err) { /* not granted */ }
  return false;
}
