import { runEndToEndSuite } from './e2e-suite.js';

runEndToEndSuite('memory');
