import { describe, expect, it } from 'vitest';
import { ServiceLifecycle, type Service } from './service-lifecycle.js';

function recorder() {
  const events: string[] = [];
  const service = (name: string, extra: Partial<Service> = {}): Service => ({
    name,
    start: () => void events.push(`start ${name}`),
    stop: () => void events.push(`stop ${name}`),
    ...extra,
  });
  return { events, service };
}

describe('service lifecycle', () => {
  it('starts in the order added, stops newest first, and stops once however often asked', async () => {
    const { events, service } = recorder();
    const services = new ServiceLifecycle();
    await services.add(service('a'));
    services.onStop('closer', () => void events.push('stop closer'));
    await services.add(service('b'));
    await services.startAll();
    await Promise.all([services.stopAll(), services.stopAll()]);
    await services.stopAll();
    expect(events).toEqual(['start a', 'start b', 'stop b', 'stop closer', 'stop a']);
  });

  it('starts a service added while running at once, and refuses one added after closing began', async () => {
    const { events, service } = recorder();
    const services = new ServiceLifecycle();
    await services.startAll();
    await services.add(service('late'));
    expect(events).toEqual(['start late']);
    await services.stopAll();
    await expect(services.add(service('too late'))).rejects.toThrow(/after the app began to close/);
    expect(() => services.onStop('too late', () => {})).toThrow(/after the app began to close/);
  });

  it('stops what had started when a start fails, and never stops what did not start', async () => {
    const { events, service } = recorder();
    const services = new ServiceLifecycle();
    await services.add(service('a'));
    await services.add(service('broken', { start: () => Promise.reject(new Error('port taken')) }));
    await services.add(service('c'));
    await expect(services.startAll()).rejects.toThrow('port taken');
    expect(events).toEqual(['start a', 'stop a']);
  });

  it('keeps stopping past a failing stop and reports the first failure', async () => {
    const { events, service } = recorder();
    const services = new ServiceLifecycle();
    await services.add(service('a'));
    await services.add(service('b', { stop: () => Promise.reject(new Error('flush failed')) }));
    await services.startAll();
    await expect(services.stopAll()).rejects.toThrow('flush failed');
    expect(events).toEqual(['start a', 'start b', 'stop a']);
  });

  it('lists the started services that report themselves unhealthy', async () => {
    let healthy = true;
    const services = new ServiceLifecycle();
    await services.add({ name: 'cache', health: () => (healthy ? { ok: true } : { ok: false, reason: 'not listening' }) });
    await services.add({ name: 'job', start: () => {} });
    expect(services.unhealthy()).toEqual([]);
    healthy = false;
    expect(services.unhealthy()).toEqual([{ name: 'cache', reason: 'not listening' }]);
  });
});
