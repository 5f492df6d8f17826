// A node test reporter (tools/runTests.ts adds it beside `spec`): how long each test file's
// top-level tests and suites took, as one JSON object { file: milliseconds }. runTests keeps
// these figures to balance the next run's shared processes (tools/testGroups.ts). Plain
// JavaScript: the runner loads reporters itself.
export default async function* testTimes(source) {
  const times = {};
  for await (const event of source) {
    if ((event.type === "test:pass" || event.type === "test:fail") && event.data.nesting === 0 && event.data.file) {
      times[event.data.file] = (times[event.data.file] ?? 0) + (event.data.details?.duration_ms ?? 0);
    }
  }
  yield JSON.stringify(times);
}
