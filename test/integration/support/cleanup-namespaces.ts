/**
 * A setup file of the integration project: after each test file (and after that file's own
 * afterAll hooks have stopped its operators), the namespaces it created are deleted.
 */
import { afterAll } from 'vitest';
import { adminKubeConfig, deleteCreatedNamespaces } from './cluster.js';

afterAll(async () => {
  await deleteCreatedNamespaces(adminKubeConfig());
});
