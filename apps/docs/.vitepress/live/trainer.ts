// The live page's training loop, independent of Vue: picks the backend with @rectifier/tensor's
// `selectBackend` (WebGPU on a real GPU adapter, never a software one such as SwiftShader unless the
// page is opened with ?backend=webgpu; else WASM SIMD, else the JS backend), builds a small PReLU net
// and runs SGD steps, reporting the loss, accuracy and learned PReLU slopes after each chunk of steps.
// Every read is async (`await t.data()`), which is what the WebGPU backend requires (it has no dataSync).
import type { Backend, BackendSelection } from '@rectifier/tensor';
import { makeShapes, SHAPE_CLASSES, SIDE } from './shapes';

/** What the page can ask for (`?backend=`): 'auto' is selectBackend's choice. */
export type BackendChoice = 'auto' | 'webgpu' | 'wasm' | 'cpu';

/** The backend in use, named and explained, known before the first step. */
export interface BackendStatus {
  // 'native' only in Node; a page in a browser gets webgpu, wasm or cpu
  backend: BackendSelection['name'];
  /** selectBackend's description and reason, e.g. "wasm (SIMD, 1 thread): auto: the WebGPU adapter ... is a software renderer". */
  backendNote: string;
}

export interface LiveState extends BackendStatus {
  /** Mean training loss over each block of `logEvery` steps. */
  losses: number[];
  /** Accuracy on a fixed held-out set, measured at each loss point. */
  accuracies: number[];
  /** Current PReLU slopes: one array of channel slopes per PReLU layer. */
  slopes: number[][];
  slopeLayers: string[];
  steps: number;
  stepsPerSecond: number;
  done: boolean;
  /** True when the run ended early because the user pressed Stop. */
  stopped: boolean;
  error?: string;
}

export interface TrainOptions {
  backend?: BackendChoice;
  steps?: number;
  batchSize?: number;
  lr?: number;
  logEvery?: number;
  onUpdate: (s: LiveState) => void;
  shouldStop?: () => boolean;
}

type Picked = { backend: Backend; status: BackendStatus };

async function pickBackend(choice: BackendChoice): Promise<Picked> {
  const T = await import('@rectifier/tensor');
  const previous = T.getBackend();
  try {
    // 'webgpu' (asked for in the address) takes any adapter, SwiftShader included; 'auto' only a real GPU.
    const s = await T.selectBackend(choice, { threads: 1 });
    return {
      backend: s.backend,
      status: { backend: s.name, backendNote: `${s.description}: ${s.reason}` },
    };
  } catch (e) {
    // e.g. ?backend=webgpu in a browser without an adapter: say so and train on the JS backend.
    return {
      backend: T.cpuBackend,
      status: { backend: 'cpu', backendNote: `${(e as Error).message}; using the JS backend instead` },
    };
  } finally {
    T.setBackend(previous); // the training loop sets it for its own duration
  }
}

// One backend (one GPU device) per page, reused by "Train again".
const pickedBackends = new Map<string, Promise<Picked>>();
/** The backend the page trains on, chosen once per choice; the page shows its status before training. */
export async function backendStatus(choice: BackendChoice): Promise<BackendStatus> {
  return (await pickBackendOnce(choice)).status;
}

function pickBackendOnce(choice: BackendChoice): Promise<Picked> {
  let p = pickedBackends.get(choice);
  if (!p) {
    p = pickBackend(choice);
    pickedBackends.set(choice, p);
  }
  return p;
}

export async function train(o: TrainOptions): Promise<LiveState> {
  const T = await import('@rectifier/tensor');
  const nn = await import('@rectifier/nn');
  const { SGD } = await import('@rectifier/train');
  const picked = await pickBackendOnce(o.backend ?? 'auto');
  const backend = picked.backend;
  const steps = o.steps ?? 300;
  const batch = o.batchSize ?? 32;
  const logEvery = o.logEvery ?? 5;
  const state: LiveState = {
    ...picked.status,
    losses: [],
    accuracies: [],
    slopes: [],
    slopeLayers: [],
    steps: 0,
    stepsPerSecond: 0,
    done: false,
    stopped: false,
  };
  return run();

  async function run(): Promise<LiveState> {
    // The loop awaits between steps, so the backend is set for its whole duration (withBackend is synchronous).
    const previous = T.getBackend();
    T.setBackend(backend);
    try {
      const g = new T.Generator(3);
      const model = new nn.Sequential({
        conv1: new nn.Conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3, padding: 1, generator: g }),
        conv1_prelu: new nn.PReLU({ numParameters: 8 }),
        pool1: new nn.MaxPool2d({ kernelSize: 2 }),
        conv2: new nn.Conv2d({ inChannels: 8, outChannels: 16, kernelSize: 3, padding: 1, generator: g }),
        conv2_prelu: new nn.PReLU({ numParameters: 16 }),
        pool2: new nn.MaxPool2d({ kernelSize: 2 }),
        flatten: new nn.Flatten(),
        fc: new nn.Linear({ inFeatures: 16 * 4 * 4, outFeatures: SHAPE_CLASSES.length, generator: g }),
      });
      const lossFn = new nn.CrossEntropyLoss();
      const opt = new SGD(model.parameters(), { lr: o.lr ?? 0.05, momentum: 0.9, weightDecay: 5e-4 });
      const trainSet = makeShapes(2048, 1);
      const val = makeShapes(256, 2);
      const valX = T.tensor(val.images, { shape: [val.labels.length, 1, SIDE, SIDE] });
      const valY = T.tensor(val.labels);
      const px = SIDE * SIDE;
      const t0 = performance.now();
      let block: number[] = [];
      for (let step = 0; step < steps && !o.shouldStop?.(); step++) {
        const start = ((step * batch) % trainSet.labels.length) | 0;
        const x = T.tensor(trainSet.images.subarray(start * px, (start + batch) * px), {
          shape: [batch, 1, SIDE, SIDE],
        });
        const y = T.tensor(trainSet.labels.subarray(start, start + batch));
        const loss = T.tidy(() => {
          const l = lossFn.call(model.call(x), y);
          l.backward();
          return l;
        });
        opt.step();
        opt.zeroGrad();
        x.dispose();
        y.dispose();
        block.push((await loss.data())[0]);
        loss.dispose();
        if (block.length === logEvery) {
          model.eval();
          const correct = T.tidy(() => T.noGrad(() => model.call(valX).argmax(1).eq(valY).float().mean()));
          model.train();
          state.accuracies.push((await correct.data())[0]);
          correct.dispose();
          state.losses.push(block.reduce((a, b) => a + b, 0) / block.length);
          block = [];
          const slopes = await nn.preluSlopes(model);
          state.slopes = slopes.map((s) => Array.from(s.values));
          state.slopeLayers = slopes.map((s) => s.layer);
          state.steps = step + 1;
          state.stepsPerSecond = (step + 1) / ((performance.now() - t0) / 1000);
          o.onUpdate({ ...state });
          await new Promise((r) => setTimeout(r, 0)); // let the page repaint
        }
      }
      state.done = true;
      state.stopped = state.steps < steps;
      o.onUpdate({ ...state });
      model.dispose();
      opt.dispose(); // momentum buffers
      valX.dispose();
      valY.dispose();
      return state;
    } finally {
      T.setBackend(previous);
    }
  }
}
