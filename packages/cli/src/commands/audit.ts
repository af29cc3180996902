import { auditVerdict, formatVarianceAudit, varianceAudit } from '@rectifier/init';
import { formatGraphVarianceAudit, graphVarianceAudit, toAuditModel } from '@rectifier/nn';
import { Generator, randn } from '@rectifier/tensor';
import { choiceOpt, intOpt } from '../args';
import { BACKEND_OPTION, describeSelection, releaseBackend, useBackend } from '../backend-choice';
import { buildFromSpec, buildModelFor } from '../build-model';
import { MAX_PARAMETERS, parameterCount } from '../checkpoint-extra';
import { UsageError } from '../errors';
import { type Io, out } from '../io';
import type { Command } from '../main';
import {
  DEFAULT_INPUT,
  DEFAULT_WIDTH,
  isResNet,
  MODEL_NAMES,
  type ModelConfig,
  modelSpecFor,
} from '../models';
import { ACTIVATIONS, flagValue, INITS } from '../run-config';

/** `rectifier audit`: the variance audit of §2.2 on a freshly initialised model. */
export const auditCommand: Command = {
  spec: {
    name: 'audit',
    summary:
      "Initialise a model and measure, per weight layer, the std of its response y_l (forward) and of the gradient Δx_l (backward) on random input, next to the paper's prediction (Eqs. 7-15).",
    usage: 'rectifier audit [options]',
    options: {
      model: { type: 'string', arg: 'NAME', description: `${MODEL_NAMES.join(', ')}`, default: 'model30' },
      activation: { type: 'string', arg: 'ACT', description: 'relu, prelu, prelu-shared', default: 'relu' },
      init: { type: 'string', arg: 'INIT', description: `${INITS.join(', ')}`, default: 'he-fan-out' },
      width: { type: 'string', arg: 'W', description: 'width multiplier (default: model-dependent)' },
      'input-size': { type: 'string', arg: 'N', description: 'input side (default: model-dependent)' },
      channels: { type: 'string', arg: 'C', description: 'input channels', default: '1' },
      classes: { type: 'string', arg: 'K', description: 'output classes', default: '10' },
      batch: { type: 'string', arg: 'N', description: 'random inputs N(0, 1) per audit', default: '8' },
      seed: { type: 'string', arg: 'N', description: 'seed of weights and inputs', default: '0' },
      backend: BACKEND_OPTION,
    },
    epilog: `With He init (½ n̂ Var[w] = 1, Eq. 14) the backward std stays near constant through a deep ReLU
net; with the paper's "Xavier" (n̂ Var[w] = 1) it shrinks by 1/sqrt(2) per layer:
  rectifier audit --model model30 --init he-fan-out
  rectifier audit --model model30 --init xavier`,
  },
  async run(args, io: Io) {
    const v = args.values;
    const model = choiceOpt(v, 'model', MODEL_NAMES) as ModelConfig['model'];
    const mc: ModelConfig = {
      model,
      activation: choiceOpt(v, 'activation', ACTIVATIONS) as ModelConfig['activation'],
      init: choiceOpt(v, 'init', INITS) as ModelConfig['init'],
      width: flagValue(v, 'width') ?? DEFAULT_WIDTH[model],
      inputSize: flagValue(v, 'inputSize') ?? DEFAULT_INPUT[model],
      inChannels: intOpt(v, 'channels', 1, 64) as number,
      numClasses: intOpt(v, 'classes', 2, 100_000) as number,
      dropout: 0,
    };
    const batch = intOpt(v, 'batch', 1, 4096) as number;
    const params = parameterCount(mc);
    if (params > MAX_PARAMETERS)
      throw new UsageError(
        `this model has ${params.toLocaleString('en-US')} parameters, more than the ${MAX_PARAMETERS.toLocaleString('en-US')} allowed: lower --width`,
      );
    const seed = intOpt(v, 'seed', 0) as number;
    const backend = describeSelection(await useBackend(String(v.backend)));
    try {
      if (isResNet(model)) {
        // a graph: nn's graph audit runs Eqs. 7-14 on each plain chain (conv, BN, activation) with the
        // input it receives in the model and checks each residual Add against the sum of variances
        const { model: net } = buildModelFor(mc, seed);
        net.eval();
        const g = new Generator(seed + 1);
        const x = randn([batch, mc.inChannels, mc.inputSize, mc.inputSize], { generator: g });
        const audit = await graphVarianceAudit(net, x, { generator: g });
        x.dispose();
        out(
          io,
          `${mc.model} (${mc.activation}, torchvision's init, input ${mc.inChannels}x${mc.inputSize}x${mc.inputSize}, batch ${batch}); backend ${backend}`,
        );
        out(io, formatGraphVarianceAudit(audit));
        out(
          io,
          "Each plain chain (conv -> BN -> activation -> ...) is audited on the input it receives in the network (the paper's Eqs. 7-14 describe plain chains); each residual sum is checked against Var[x + F(x)] = Var[x] + Var[F(x)] (uncorrelated branches).",
        );
        net.dispose();
        return 0;
      }
      const { model: net } = buildFromSpec(modelSpecFor(mc), seed);
      net.eval();
      const g = new Generator(seed + 1);
      const x = randn([batch, mc.inChannels, mc.inputSize, mc.inputSize], { generator: g });
      const audit = await varianceAudit(await toAuditModel(net), x, { generator: g });
      x.dispose();
      out(
        io,
        `${mc.model} (${mc.activation}, init ${mc.init}, width ${mc.width}, input ${mc.inChannels}x${mc.inputSize}x${mc.inputSize}, batch ${batch}); backend ${backend}`,
      );
      out(io, formatVarianceAudit(audit));
      for (const line of auditVerdict(audit).lines) out(io, line);
      net.dispose();
      return 0;
    } finally {
      releaseBackend();
    }
  },
};
