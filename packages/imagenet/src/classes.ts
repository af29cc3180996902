/**
 * Class tables: the 1000 ILSVRC2012 classes (PyTorch/Caffe index order) and generic name lists.
 */
import { IMAGENET_NAMES, IMAGENET_WNIDS } from './imagenet-classes.generated.js';

/** One class: index, folder name (a wnid for ImageNet) and human-readable name. */
export interface ClassInfo {
  index: number;
  /** Folder name / identifier, e.g. 'n01440764'. */
  id: string;
  /** Human-readable name, e.g. 'tench, Tinca tinca'; equals `id` when none is known. */
  name: string;
}

/**
 * An ordered list of classes with fast id -> index lookup.
 * @example
 * const t = imagenetClasses();
 * t.indexOf('n01440764') // 0
 * t.name(1) // 'goldfish, Carassius auratus'
 */
export class ClassTable {
  readonly ids: readonly string[];
  readonly names: readonly string[];
  private readonly lookup: Map<string, number>;

  /**
   * @param ids class identifiers in index order (must be unique)
   * @param names optional human-readable names, same length as ids
   */
  constructor(ids: readonly string[], names?: readonly string[]) {
    if (names && names.length !== ids.length)
      throw new Error(`ClassTable: ${ids.length} ids but ${names.length} names`);
    this.ids = ids;
    this.names = names ?? ids;
    this.lookup = new Map();
    ids.forEach((id, i) => {
      if (this.lookup.has(id)) throw new Error(`ClassTable: duplicate class id '${id}'`);
      this.lookup.set(id, i);
    });
  }

  /** Number of classes. */
  get size(): number {
    return this.ids.length;
  }

  /** Index of a class id, or -1 when it is not in the table. */
  indexOf(id: string): number {
    return this.lookup.get(id) ?? -1;
  }

  /** Whether `id` is in the table. */
  has(id: string): boolean {
    return this.lookup.has(id);
  }

  /** Class id at `index`; throws on an out-of-range index. */
  id(index: number): string {
    this.check(index);
    return this.ids[index];
  }

  /** Human-readable name at `index`; throws on an out-of-range index. */
  name(index: number): string {
    this.check(index);
    return this.names[index];
  }

  /** All classes as records. */
  list(): ClassInfo[] {
    return this.ids.map((id, index) => ({ index, id, name: this.names[index] }));
  }

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.ids.length)
      throw new Error(`ClassTable: class index ${index} outside [0, ${this.ids.length})`);
  }
}

let imagenet: ClassTable | undefined;

/**
 * The 1000 ILSVRC2012 classes in the standard order (sorted by wnid; index 0 = n01440764 tench),
 * the order of torchvision's ImageFolder on the train folder and of pretrained Caffe/PyTorch models.
 * @example imagenetClasses().id(999) // 'n15075141'
 */
export function imagenetClasses(): ClassTable {
  imagenet ??= new ClassTable(IMAGENET_WNIDS, IMAGENET_NAMES);
  return imagenet;
}

/** Whether a string looks like a WordNet noun id ('n' + 8 digits). */
export function isWnid(s: string): boolean {
  return /^n\d{8}$/.test(s);
}
