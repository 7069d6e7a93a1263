export { MIGRATIONS } from '../../migrations/index.js';
