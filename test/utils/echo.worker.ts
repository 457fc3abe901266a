// A worker script for the WorkerPool tests: each input names what the worker should do.
import { serveTasks } from '../../src/common/worker-pool';

export type EchoInput =
  | { op: 'double'; value: number }
  | { op: 'bytes'; data: Uint8Array }
  | { op: 'fail' }
  | { op: 'spin' }
  | { op: 'exit' }
  | { op: 'hog' };

serveTasks<EchoInput, number, string>((input, emit) => {
  switch (input.op) {
    case 'double':
      emit('started');
      emit('halfway');
      return input.value * 2;
    case 'bytes':
      return input.data.reduce((sum, byte) => sum + byte, 0);
    case 'fail':
      throw new RangeError('this input is out of range');
    case 'spin':
      for (;;) {
        // busy until terminated
      }
    case 'exit':
      process.exit(3);
    // eslint-disable-next-line no-fallthrough -- process.exit does not return
    case 'hog': {
      const hoard: number[][] = [];
      for (;;) hoard.push(new Array<number>(1_000_000).fill(hoard.length));
    }
  }
});
