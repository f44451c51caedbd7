/**
 * Fields the Kubernetes API does not know (a misspelt `readinessProbee` a cluster would
 * drop or refuse): the OpenAPI validators of kubernetes-models allow any extra field, so
 * each manifest is type-checked instead as an object literal of the package's interface
 * (`IDeployment`…), where TypeScript refuses every property the type does not declare, at
 * any depth. What kubeconform's `-strict` does, offline.
 *
 *   unknownFields([{ file, object }])   // ["api.yaml: Deployment/api: 'readinessProbee' …"]
 */
import { resolve } from "node:path";
import ts from "typescript5";
import type { Manifest } from "./check-manifests.ts";

/** `apps/v1` + `Deployment` → the kubernetes-models module that declares `IDeployment`. */
export const modelPath = (apiVersion: string, kind: string) =>
  `kubernetes-models/${apiVersion.includes("/") ? apiVersion : "v1"}/${kind}`;

/** The previous check's program: its unchanged files (the package's declarations) are reused. */
let previous: ts.Program | undefined;

export function unknownFields(manifests: readonly Manifest[], projectRoot: string): string[] {
  // Inside the project, so that `kubernetes-models` resolves from its node_modules.
  const fileName = resolve(projectRoot, "deploy", "__manifests__.ts");
  const source = manifests
    .map(
      ({ object }, i) =>
        `export const m${i}: import("${modelPath(object.apiVersion, object.kind)}").I${object.kind} = ${JSON.stringify(object)};`,
    )
    .join("\n");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    // The interfaces need no more than ES5's globals; the full library triples the time.
    lib: ["lib.es5.d.ts"],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName
      ? ts.createSourceFile(name, source, language)
      : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host, previous);
  previous = program;
  const file = program.getSourceFile(fileName) as ts.SourceFile;
  return ts.getPreEmitDiagnostics(program, file).map((d) => {
    const line = d.start === undefined ? -1 : file.getLineAndCharacterOfPosition(d.start).line;
    const m = manifests[line];
    const where = m ? `${m.file}: ${m.object.kind}/${m.object.metadata?.name}` : "manifests";
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
  });
}
