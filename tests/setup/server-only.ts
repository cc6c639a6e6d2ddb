// Lets server-only modules load under vitest (it is a Next.js build-time guard only).
export {};
