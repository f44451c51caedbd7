// vue-tsc type-checks the .vue files on TypeScript 5's compiler API: the project's TypeScript 7
// (native) has none, so vue-tsc gets the aliased `typescript5` package. `-p ui` as for tsc.
const { run } = require("vue-tsc");
run(require.resolve("typescript5/lib/tsc"));
