// The `vitrina` command line: one entry point, a sub-command per job, --help on each.
import { Command } from 'commander';
import { registerChaos } from '../chaos/command.ts';
import { reportError } from './errors.ts';
import { registerBench } from './bench.ts';
import { registerIngest } from './ingest.ts';
import { registerModels } from './models.ts';
import { registerProcessors } from './processors.ts';
import { registerServeBalancer } from './serve-balancer.ts';
import { registerServeGateway } from './serve-gateway.ts';
import { registerServeModel } from './serve-model.ts';
import { registerServeAll } from './serve-all.ts';
import { registerStack } from './stack.ts';
import { registerStart } from './start.ts';
import { registerTest } from './test.ts';
import { registerTrain } from './train.ts';

export function buildProgram(): Command {
  const program = new Command('vitrina')
    .description('Vitrina: event-sourced, streaming-first multimodal product search')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  registerStack(program);
  registerTest(program);
  registerIngest(program);
  registerProcessors(program);
  registerStart(program);
  registerServeAll(program);
  registerBench(program);
  registerTrain(program);
  registerModels(program);
  registerServeModel(program);
  registerServeGateway(program);
  registerServeBalancer(program);
  registerChaos(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err);
  }
}
