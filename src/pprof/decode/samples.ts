// The samples, read straight from the wire into columns: location stacks and label sets interned
// as they are read.
import { MemoryBudget, ProfileError } from './budget';
import type { PprofProfile } from './model';
import type { SampleRuns } from './scan';
import { TWO32, VARINT, skipField, smallValue, topValue, topVarint, varint, varint35, varintBig, varintSigned } from './wire';

/**
 * The capacity to grow a column to: room for `need` entries, and for all the samples at the
 * rate seen so far (`used` entries for `done` of `total` samples) plus a little, so that the
 * column is copied a few times at most and ends up nearly full; at least 1.5 times the old
 * capacity, at most `bound` (unless need is more).
 */
function projectedSize(old: number, need: number, used: number, done: number, total: number, bound: number): number {
  const projected = done > 0 ? Math.ceil((used / done) * total * 1.03) + 1024 : 0;
  return Math.max(need, Math.min(Math.max(projected, Math.ceil(old * 1.5)), bound));
}

/**
 * The distinct label sets, interned as the samples are read (the Go runtime gives each heap
 * sample a "bytes" label: a million samples, a few distinct sets). A sample's labels are
 * pushed after the last set (scratch from `committed` on) and kept only when new.
 */
class LabelSets {
  key: Int32Array = new Int32Array(256);
  str: Int32Array = new Int32Array(256);
  num: Float64Array = new Float64Array(256);
  unit: Int32Array = new Int32Array(256);
  /** Labels pushed: those of the sets, then the scratch. */
  n = 0;
  /** Labels of the sets so far. */
  committed = 0;
  /** Set k: labels start[k] .. start[k+1]. */
  start: Uint32Array = new Uint32Array(64);
  private hash: Int32Array = new Int32Array(64);
  nSets = 0;
  /** Open addressing, at most half full: set id + 1 per slot, 0 when empty. */
  private table = new Int32Array(256);

  constructor(private readonly budget: MemoryBudget) {}

  push(key: number, str: number, num: number, unit: number): void {
    if (this.n === this.key.length) this.grow();
    const j = this.n++;
    this.key[j] = key;
    // A label with a string value is a string label; otherwise numeric (pprof's rule).
    this.str[j] = str !== 0 ? str : -1;
    this.num[j] = num;
    this.unit[j] = unit;
  }

  private grow(): void {
    const size = this.key.length * 2;
    this.budget.charge((size - this.key.length) * 20);
    this.key = growInt32(this.key, size, this.n);
    this.str = growInt32(this.str, size, this.n);
    this.unit = growInt32(this.unit, size, this.n);
    const num = new Float64Array(size);
    num.set(this.num.subarray(0, this.n));
    this.num = num;
  }

  /** The id of the set of the scratch labels: an existing one, or a new one made of them. */
  intern(): number {
    const lo = this.committed;
    const end = this.n;
    const len = end - lo;
    const { key, str, num, unit, start } = this;
    let h = 0x811c9dc5 | 0;
    for (let j = lo; j < end; j++) {
      const v = num[j]!;
      h = Math.imul(h ^ key[j]!, 0x01000193);
      h = Math.imul(h ^ str[j]!, 0x01000193);
      h = Math.imul(h ^ (v | 0), 0x01000193);
      h = Math.imul(h ^ ((v / TWO32) | 0), 0x01000193);
      h = Math.imul(h ^ unit[j]!, 0x01000193);
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    const table = this.table;
    const mask = table.length - 1;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === 0) break;
      const k = e - 1;
      const a = start[k]!;
      if (this.hash[k] === h && start[k + 1]! - a === len) {
        let i = 0;
        while (i < len && key[a + i] === key[lo + i] && str[a + i] === str[lo + i] && num[a + i] === num[lo + i] && unit[a + i] === unit[lo + i]) i++;
        if (i === len) {
          this.n = lo;
          return k;
        }
      }
      slot = (slot + 1) & mask;
    }
    const k = this.nSets++;
    if (k + 2 > start.length) {
      this.budget.charge(start.length * 8);
      this.start = new Uint32Array(start.length * 2);
      this.start.set(start);
      const h2 = new Int32Array(start.length * 2);
      h2.set(this.hash);
      this.hash = h2;
    }
    this.start[k + 1] = end;
    this.hash[k] = h;
    this.committed = end;
    table[slot] = k + 1;
    if (this.nSets * 2 > table.length) {
      const size = table.length * 2;
      this.budget.charge(table.length * 4);
      const t2 = new Int32Array(size);
      for (let i = 0; i < this.nSets; i++) {
        let sl = this.hash[i]! & (size - 1);
        while (t2[sl] !== 0) sl = (sl + 1) & (size - 1);
        t2[sl] = i + 1;
      }
      this.table = t2;
    }
    return k;
  }
}

/**
 * The distinct location stacks, interned as the samples are read: a sample's location
 * indices are written after the last stack (locs[nLocs ..], scratch until intern()) and kept
 * only when they make a new stack. A million samples of a heap profile have a fraction as
 * many stacks, so this stores (and later walks) a fraction of the locations.
 */
class StackTable {
  locs: Uint32Array;
  /** Locations of the stacks so far; the scratch of the sample being read starts here. */
  nLocs = 0;
  /** Stack k: locs[start[k] .. start[k+1]). */
  start: Uint32Array = new Uint32Array(1024);
  private hash: Int32Array = new Int32Array(1024);
  n = 0;
  /** Open addressing, at most 2/3 full (small tables miss the cache less): stack id + 1 per slot, 0 when empty. */
  private table = new Int32Array(4096);
  /** Samples read so far (for growth). */
  done = 0;

  /** For `total` samples taking `sampleBytes` bytes: each location id takes a byte at least. */
  constructor(
    private readonly total: number,
    private readonly sampleBytes: number,
    private readonly budget: MemoryBudget,
  ) {
    this.locs = new Uint32Array(Math.min(sampleBytes, 1 << 16));
  }

  /** Room for locations up to index need (exclusive), the first `used` kept. */
  reserve(need: number, used: number): Uint32Array {
    const size = projectedSize(this.locs.length, need, this.nLocs, this.done, this.total, this.sampleBytes);
    this.budget.charge((size - this.locs.length) * 4);
    const bigger = new Uint32Array(size);
    bigger.set(this.locs.subarray(0, used));
    this.locs = bigger;
    return bigger;
  }

  /** The id of the stack locs[nLocs .. end): an existing one, or a new one made of them. */
  intern(end: number): number {
    const locs = this.locs;
    const lo = this.nLocs;
    const len = end - lo;
    const start = this.start;
    let h = 0x811c9dc5 | 0;
    for (let i = lo; i < end; i++) h = Math.imul(h ^ locs[i]!, 0x01000193);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    const table = this.table;
    const hashes = this.hash;
    const mask = table.length - 1;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e === 0) break;
      const k = e - 1;
      if (hashes[k] === h) {
        const a = start[k]!;
        if (start[k + 1]! - a === len) {
          let i = 0;
          while (i < len && locs[a + i] === locs[lo + i]) i++;
          if (i === len) return k;
        }
      }
      slot = (slot + 1) & mask;
    }
    const k = this.n++;
    if (k + 2 > start.length) {
      const size = start.length * 2;
      this.budget.charge(start.length * 8);
      const s2 = new Uint32Array(size);
      s2.set(start);
      this.start = s2;
      const h2 = new Int32Array(size);
      h2.set(hashes);
      this.hash = h2;
    }
    this.start[k + 1] = end;
    this.hash[k] = h;
    this.nLocs = end;
    table[slot] = k + 1;
    if (this.n * 3 > table.length * 2) {
      // Straight to the size the stacks seen so far project (rehashing is a walk of them all).
      const projected = Math.min((this.n / Math.max(1, this.done)) * this.total, this.total) * 1.5;
      let size = table.length * 2;
      while (size < projected) size *= 2;
      this.rehash(size);
    }
    return k;
  }

  private rehash(size: number): void {
    this.budget.charge((size - this.table.length) * 4);
    const table = new Int32Array(size);
    const mask = size - 1;
    const hashes = this.hash;
    for (let k = 0; k < this.n; k++) {
      let slot = hashes[k]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = k + 1;
    }
    this.table = table;
  }
}

/** The index of the location with the id in VARINT. */
function lookupLocation(dense: Int32Array | null, locationIndex: Map<number | bigint, number>): number {
  const lo = VARINT[0]!;
  const hi = VARINT[1]!;
  let idx: number | undefined;
  if (dense && hi === 0 && lo < dense.length) {
    idx = dense[lo]!;
    if (idx < 0) idx = undefined;
  } else {
    idx = locationIndex.get(hi < 0x200000 ? hi * TWO32 + lo : (BigInt(hi) << 32n) | BigInt(lo));
  }
  if (idx === undefined) throw new ProfileError(`a sample refers to location ${(BigInt(hi) << 32n) | BigInt(lo)}, which does not exist`);
  return idx;
}

/** Reads one Label message in [pos, end) into the columns (any encoding, with the errors). */
function decodeLabel(buf: Uint8Array, pos: number, end: number, c: LabelSets, nStrings: number): void {
  let key = 0;
  let str = 0;
  let num = 0;
  let unit = 0;
  while (pos < end) {
    pos = varint(buf, pos, end);
    const tag = VARINT[0]!;
    const field = tag >>> 3;
    const wire = tag & 7;
    if (VARINT[1] !== 0 || field === 0) throw new ProfileError(`malformed field tag in a sample label at offset ${pos}`);
    if (field >= 1 && field <= 4 && wire === 0) {
      pos = varint(buf, pos, end);
      if (field === 3) {
        num = varintSigned();
        continue;
      }
      if (VARINT[1] !== 0 || VARINT[0]! >= nStrings) {
        const what = field === 1 ? 'key' : field === 2 ? 'value' : 'unit';
        throw new ProfileError(`a sample label's ${what} refers to string ${varintSigned()}, but the string table has ${nStrings} entries`);
      }
      if (field === 1) key = VARINT[0]!;
      else if (field === 2) str = VARINT[0]!;
      else unit = VARINT[0]!;
    } else {
      pos = skipField(buf, pos, end, wire);
    }
  }
  c.push(key, str, num, unit);
}

/**
 * Reads sample s in [pos, end) with the general reader (any field order, encoding and id,
 * with the errors): its location indices into st.locs from st.nLocs on (returns where they
 * end), its values into `values` (nTypes of them; those a double rounds also into `exact`,
 * at s * nTypes + t) and its labels.
 */
function decodeSampleGeneral(buf: Uint8Array, pos: number, end: number, s: number, values: Float64Array, exact: Map<number, bigint>, nTypes: number, st: StackTable, c: LabelSets, dense: Int32Array | null, locationIndex: Map<number | bigint, number>, nStrings: number): number {
  let nValues = 0;
  let nLocs = st.nLocs;
  const tooMany = () => new ProfileError(`a sample has more values than the ${nTypes} sample types`);
  while (pos < end) {
    pos = varint(buf, pos, end);
    const tag = VARINT[0]!;
    const field = tag >>> 3;
    const wire = tag & 7;
    if (VARINT[1] !== 0 || field === 0) throw new ProfileError(`malformed field tag in a sample at offset ${pos}`);
    if (field === 1 && wire === 2) {
      pos = varint(buf, pos, end);
      const packedEnd = pos + VARINT[0]!;
      if (VARINT[1] !== 0 || packedEnd > end) throw new ProfileError(`truncated sample at offset ${pos}`);
      if (nLocs + (packedEnd - pos) > st.locs.length) st.reserve(nLocs + (packedEnd - pos), nLocs);
      const locs = st.locs;
      while (pos < packedEnd) {
        pos = varint(buf, pos, packedEnd);
        locs[nLocs++] = lookupLocation(dense, locationIndex);
      }
    } else if (field === 1 && wire === 0) {
      pos = varint(buf, pos, end);
      if (nLocs === st.locs.length) st.reserve(nLocs + 1, nLocs);
      st.locs[nLocs++] = lookupLocation(dense, locationIndex);
    } else if (field === 2 && wire === 2) {
      pos = varint(buf, pos, end);
      const packedEnd = pos + VARINT[0]!;
      if (VARINT[1] !== 0 || packedEnd > end) throw new ProfileError(`truncated sample at offset ${pos}`);
      while (pos < packedEnd) {
        pos = varint(buf, pos, packedEnd);
        if (nValues >= nTypes) throw tooMany();
        const v = varintSigned();
        if (!Number.isSafeInteger(v)) exact.set(s * nTypes + nValues, varintBig());
        values[nValues++] = v;
      }
    } else if (field === 2 && wire === 0) {
      pos = varint(buf, pos, end);
      if (nValues >= nTypes) throw tooMany();
      const v = varintSigned();
      if (!Number.isSafeInteger(v)) exact.set(s * nTypes + nValues, varintBig());
      values[nValues++] = v;
    } else if (field === 1 || field === 2) {
      throw new ProfileError(`sample field ${field} has wire type ${wire}`);
    } else if (field === 3 && wire === 2) {
      pos = varint(buf, pos, end);
      const labelEnd = pos + VARINT[0]!;
      if (VARINT[1] !== 0 || labelEnd > end) throw new ProfileError(`truncated sample at offset ${pos}`);
      decodeLabel(buf, pos, labelEnd, c, nStrings);
      pos = labelEnd;
    } else {
      pos = skipField(buf, pos, end, wire);
    }
  }
  if (nValues !== nTypes) throw new ProfileError(`sample ${s} has ${nValues} values but the profile has ${nTypes} sample types`);
  return nLocs;
}

/**
 * Reads every Sample message (location ids, values, labels) into the profile's columns, the
 * location stacks interned (StackTable).
 *
 * The loop below is the fast path for what Go writes: fields as single-byte tags, one packed
 * field of location ids found in the dense table with one to three bytes, packed values below
 * 2^35, labels of small varints. Anything else in a sample (or anything malformed) sends that
 * sample through decodeSampleGeneral, which reads it again from its start and reports the
 * errors. Location ids byte for byte those of the previous sample (Go writes a stack's
 * samples side by side, one per allocation size) are not read again: same stack. Kept free
 * of closures, so that V8 optimizes it once and for all.
 */
export function decodeSamples(buf: Uint8Array, samples: SampleRuns, p: PprofProfile, dense: Int32Array | null, locationIndex: Map<number | bigint, number>, budget: MemoryBudget): void {
  const n = samples.count;
  const runs = samples.runs;
  const nTypes = p.sampleTypes.length;
  const nStrings = p.strings.length;
  const sampleBytes = samples.bytes;
  // (The columns below were charged by checkCounts.)
  const sampleStack = new Int32Array(n);
  const sampleLabelSet = new Int32Array(n);
  // Values as int32 until one does not fit (then all as doubles).
  let v32: Int32Array | null = new Int32Array(n * nTypes);
  let v64: Float64Array | null = null;
  const scratch = new Float64Array(nTypes);
  const exact = new Map<number, bigint>();
  const c = new LabelSets(budget);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const st = new StackTable(n, sampleBytes, budget);
  budget.project = projection(budget.used, n, st);
  let locs = st.locs;
  const table = dense ?? new Int32Array(0);
  const tableLen = table.length;
  // The previous sample's location ids (when read here, from one field): start and length.
  let prevLoc = -1;
  let prevLocLen = -1;

  let s = 0;
  for (let r = 0; r < runs.length; r += 2) {
    let next = runs[r]!;
    const runEnd = runs[r + 1]!;
    while (next < runEnd) {
      // The sample's tag and length (findSamples checked them).
      let start: number;
      let end: number;
      const b1 = buf[next + 1]!;
      if (buf[next] === 0x12 && b1 < 0x80) {
        start = next + 2;
        end = start + b1;
      } else {
        start = topVarint(buf, topVarint(buf, next));
        end = start + topValue;
      }
      next = end;

      const vbase = s * nTypes;
      st.done = s;
      let nLocs = st.nLocs;
      let pos = start;
      let nValues = 0;
      let locPos = -1;
      let locLen = -1;
      let same = false;
      let ok = true;
      while (pos < end) {
        const tag = buf[pos]!;
        if (tag !== 0x0a && tag !== 0x12 && tag !== 0x1a) {
          ok = false;
          break;
        }
        // Length: one or two bytes.
        if (pos + 2 > end) {
          ok = false;
          break;
        }
        let len = buf[pos + 1]!;
        pos += 2;
        if (len >= 0x80) {
          const b = pos < end ? buf[pos]! : 0x80;
          if (b >= 0x80) {
            ok = false;
            break;
          }
          len = (len & 0x7f) | (b << 7);
          pos++;
        }
        const fieldEnd = pos + len;
        if (fieldEnd > end) {
          ok = false;
          break;
        }
        if (tag === 0x0a) {
          if (locPos >= 0) {
            ok = false;
            break;
          }
          locPos = pos;
          locLen = len;
          if (len === prevLocLen) {
            let i = 0;
            while (i + 4 <= len && view.getInt32(pos + i) === view.getInt32(prevLoc + i)) i += 4;
            if (i + 4 > len) while (i < len && buf[pos + i] === buf[prevLoc + i]) i++;
            if (i === len) {
              same = true;
              pos = fieldEnd;
              continue;
            }
          }
          // Each id takes at least one byte: one capacity check per field, not per id.
          if (nLocs + len > locs.length) locs = st.reserve(nLocs + len, nLocs);
          while (pos < fieldEnd) {
            let id = buf[pos++]!;
            if (id >= 0x80) {
              let b = buf[pos++]!;
              id = (id & 0x7f) | ((b & 0x7f) << 7);
              if (b >= 0x80) {
                b = buf[pos++]!;
                if (b >= 0x80) {
                  ok = false;
                  break;
                }
                id |= b << 14;
              }
            }
            const idx = id < tableLen ? table[id]! : -1;
            if (idx < 0) {
              ok = false;
              break;
            }
            locs[nLocs++] = idx;
          }
          if (!ok || pos !== fieldEnd) {
            ok = false;
            break;
          }
        } else if (tag === 0x12) {
          while (pos < fieldEnd) {
            pos = varint35(buf, pos);
            const v = smallValue;
            if (v < 0) {
              ok = false;
              break;
            }
            if (nValues === nTypes) {
              ok = false;
              break;
            }
            const i = vbase + nValues++;
            if (v32 !== null && v <= 0x7fffffff) v32[i] = v;
            else {
              if (v64 === null) {
                budget.charge(v32!.length * 8);
                v64 = new Float64Array(v32!);
                v32 = null;
              }
              v64[i] = v;
            }
          }
          if (!ok || pos !== fieldEnd) {
            ok = false;
            break;
          }
        } else {
          // A label: fields 1-4 as varints below 2^35 (a negative num takes ten bytes: general reader).
          let key = 0;
          let str = 0;
          let num = 0;
          let unit = 0;
          while (pos < fieldEnd) {
            const t = buf[pos++]!;
            pos = varint35(buf, pos);
            const v = smallValue;
            if (v < 0) {
              ok = false;
              break;
            }
            if (t === 0x08) key = v;
            else if (t === 0x10) str = v;
            else if (t === 0x18) num = v;
            else if (t === 0x20) unit = v;
            else {
              ok = false;
              break;
            }
          }
          if (!ok || pos !== fieldEnd || key >= nStrings || str >= nStrings || unit >= nStrings) {
            ok = false;
            break;
          }
          c.push(key, str, num, unit);
        }
      }
      if (ok && nValues === nTypes) {
        sampleStack[s] = same ? sampleStack[s - 1]! : st.intern(nLocs);
        prevLoc = locPos;
        prevLocLen = locLen;
      } else {
        c.n = c.committed;
        const exactBefore = exact.size;
        nLocs = decodeSampleGeneral(buf, start, end, s, scratch, exact, nTypes, st, c, dense, locationIndex, nStrings);
        if (exact.size !== exactBefore) budget.charge((exact.size - exactBefore) * 96);
        locs = st.locs;
        sampleStack[s] = st.intern(nLocs);
        prevLocLen = -1;
        for (let t = 0; t < nTypes; t++) {
          const v = scratch[t]!;
          if (v < 0) p.hasNegativeValues = true;
          if (v32 !== null && v <= 0x7fffffff && v >= -0x80000000) v32[vbase + t] = v;
          else {
            if (v64 === null) {
              budget.charge(v32!.length * 8);
              v64 = new Float64Array(v32!);
              v32 = null;
            }
            v64[vbase + t] = v;
          }
        }
      }
      sampleLabelSet[s++] = c.intern();
    }
  }
  p.sampleCount = n;
  p.sampleStack = sampleStack;
  p.stackLocStart = st.start.slice(0, st.n + 1);
  p.stackLocations = trimmed(st.locs, st.nLocs);
  p.sampleValues = v64 ?? v32!;
  if (exact.size > 0) p.sampleValuesExact = exact;
  budget.project = undefined;
  p.sampleLabelSet = sampleLabelSet;
  p.labelSetStart = c.start.slice(0, c.nSets + 1);
  p.labelKey = c.key.slice(0, c.n);
  p.labelStr = c.str.slice(0, c.n);
  p.labelNum = c.num.slice(0, c.n);
  p.labelNumUnit = c.unit.slice(0, c.n);
}

/** MemoryBudget.project while the samples are read: what they take so far, for all of them. */
function projection(before: number, n: number, st: StackTable): (used: number) => number {
  return (used) => before + ((used - before) * n) / Math.max(1, st.done);
}

/**
 * The first n entries of a: a view when little is wasted, else a tight copy (a view keeps the
 * whole buffer alive, and postMessage would copy all of it).
 */
export function trimmed<T extends Int32Array | Uint32Array | Float64Array>(a: T, n: number): T {
  if (a.length === n) return a;
  return (a.length - n > (n >> 3) + 1024 ? a.slice(0, n) : a.subarray(0, n)) as T;
}

/** A copy of a with room for at least `need` entries, the first `used` kept. */
function growInt32(a: Int32Array, need: number, used: number): Int32Array {
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a.subarray(0, used));
  return b;
}
