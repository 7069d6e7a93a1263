import { describe, expect, it } from '@jest/globals';
import type { BotCapture } from '../capture/bot-capture.js';
import type { BotProcess } from './bot-process.js';
import { BotSupervisor, type LaunchedBot, type SupervisorHooks } from './bot-supervisor.js';
import type { FreqtradeApiClient } from './freqtrade-api.client.js';

type OnExit = Parameters<SupervisorHooks['launch']>[0];

function fakeBot(running = true): LaunchedBot {
  return {
    process: { running, stop: () => Promise.resolve(), lastLines: () => [] } as unknown as BotProcess,
    api: {} as FreqtradeApiClient,
    capture: { close: () => Promise.resolve() } as unknown as BotCapture,
    startedAt: 0,
    freqtradeVersion: '2025.8',
  };
}

describe('BotSupervisor', () => {
  it('a bot dying during its first start is the caller’s failure, never restarted behind its back', async () => {
    const crashes: string[] = [];
    let launches = 0;
    const sup = new BotSupervisor(
      {
        launch: (onExit: OnExit) => {
          launches++;
          // The process exits while the launch is still waiting for its API, then the launch fails.
          onExit({ code: 1, signal: null, expected: false });
          return Promise.reject(new Error('freqtrade exited during start-up'));
        },
        crashed: (reason) => crashes.push(reason),
        recovered: () => undefined,
        now: () => 0,
      },
      10,
      1000,
    );
    await expect(sup.start()).rejects.toThrow('exited during start-up');
    await new Promise((r) => setTimeout(r, 1500));
    expect({ launches, crashes, state: sup.state }).toEqual({ launches: 1, crashes: [], state: 'starting' });
  });

  it('a running bot that exits is reported and restarted once', async () => {
    const exits: OnExit[] = [];
    const crashes: string[] = [];
    const sup = new BotSupervisor(
      {
        launch: (onExit: OnExit) => {
          exits.push(onExit);
          return Promise.resolve(fakeBot());
        },
        crashed: (reason) => crashes.push(reason),
        recovered: () => undefined,
        now: () => 0,
      },
      10,
      1000,
    );
    await sup.start();
    exits[0]({ code: 1, signal: null, expected: false });
    expect(crashes).toEqual(['freqtrade exited unexpectedly (exit code 1)']);
    expect(sup.state).toBe('restarting');
    await new Promise((r) => setTimeout(r, 1200));
    expect(exits).toHaveLength(2);
    expect(sup.state).toBe('running');
    // A late exit of the first process no longer counts.
    exits[0]({ code: 1, signal: null, expected: false });
    expect(crashes).toHaveLength(1);
    await sup.stop();
  });
});
