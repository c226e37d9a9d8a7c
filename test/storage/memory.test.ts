import { createMemoryStore } from '../../src/storage/memory.js';
import { describeStoreContract } from './contract.js';

describeStoreContract('memory', async () => createMemoryStore());
