/**
 * Runs async sections one at a time, in call order. The user-sync client holds it around every unit of work on
 * its store (a local write, a pulled page, a push's acks), never around a network call, so local writes wait
 * at most for one store transaction, not for the network.
 */
export class AsyncLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section, section);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
