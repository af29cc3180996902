import { sharedProcessConfig } from '../../vitest.shared.ts';

export default sharedProcessConfig(import.meta.url);
