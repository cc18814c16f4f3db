// What the browser keeps: the key pair (the private key as a non-extractable CryptoKey, which
// IndexedDB stores without ever exposing its bytes), the certificate while it is valid, and
// the highest scheme volgnummer accepted per pinned key (rollback protection: remembered
// under every key of the pinned set, read as the highest of them).

const DB_NAME = "vorderingen-app";
const STORE = "sleutels";
const VERSION = 1;

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, VERSION);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, action) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

export const get = (name) => run("readonly", (store) => store.get(name));
export const put = (name, value) => run("readwrite", (store) => store.put(value, name));
export const remove = (name) => run("readwrite", (store) => store.delete(name));

const stored = (kid) => Number(localStorage.getItem(`stelsel-volgnummer-${kid}`) || 0);

export function highestVolgnummer(kids) {
  return Math.max(0, ...kids.map(stored));
}

export function rememberVolgnummer(kids, volgnummer) {
  for (const kid of kids) {
    if (volgnummer > stored(kid)) localStorage.setItem(`stelsel-volgnummer-${kid}`, String(volgnummer));
  }
}
