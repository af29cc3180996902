/** This package's version, answered as the server version by GET /v2 (a test keeps it equal to package.json). */
export const VERSION = '0.0.0';
