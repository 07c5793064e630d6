/**
 * The page's storage: the decoded dataset is kept in IndexedDB, so a reload
 * trains on it again without decoding (or fetching) its files.
 */
import { shareSplit, type Dataset } from "../data/dataset.js";

const DB = "initdrift";
const STORE = "datasets";

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Plain copies: IndexedDB cannot store SharedArrayBuffers. */
const plain = (d: Dataset): Dataset => ({
  ...d,
  train: { count: d.train.count, images: d.train.images.slice(), labels: d.train.labels.slice() },
  test: { count: d.test.count, images: d.test.images.slice(), labels: d.test.labels.slice() },
});

/** Keeps `d` as the page's dataset, replacing the one kept before. */
export async function storeDataset(d: Dataset): Promise<void> {
  const db = await openDb();
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction(STORE, "readwrite");
    tx.objectStore(STORE).put(plain(d), "current");
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

/** The dataset kept by the last storeDataset, in shared memory for the workers; undefined if none. */
export async function restoreDataset(): Promise<Dataset | undefined> {
  const db = await openDb();
  const d = await new Promise<Dataset | undefined>((resolve, reject) => {
    const req = db.transaction(STORE).objectStore(STORE).get("current");
    req.onsuccess = () => resolve(req.result as Dataset | undefined);
    req.onerror = () => reject(req.error);
  });
  db.close();
  return d && { ...d, train: shareSplit(d.train), test: shareSplit(d.test) };
}
