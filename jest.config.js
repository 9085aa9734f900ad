/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 120000,
  // Jest's default is one worker less than the cores: on the 2-core machine the suite then runs
  // file after file. Two workers keep both cores busy (the longest files run first).
  maxWorkers: 2,
};
