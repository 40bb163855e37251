// make check-gguf: does llama.cpp run our GGUF export as llmlab runs the checkpoint?
//
//   node tools/gguf/check.mjs --modules DIR --llmlab BIN --ckpt CKPT --gguf FILE --tokenizer TOK.bpe
//                             --text VAL.txt [--tokens 64] [--threads 1] [--quick]
//
// llama.cpp comes from node-llama-cpp (installed by npm into DIR), its prebuilt CPU binary only:
// nothing is downloaded or built here. Three checks:
//   (a) tokenization: llama.cpp's ids of the text equal `llmlab tokenizer encode`'s, token for token;
//   (b) greedy generation from three prompts equals `llmlab sample --temperature 0`, id for id;
//   (c) tokens/s of both on the same model (printed, not checked).
// Exit status 0 when (a) and (b) hold, 1 when one fails, 2 on a usage or setup error.
import {spawnSync} from "node:child_process";
import {readFileSync} from "node:fs";
import {createRequire} from "node:module";
import {join, resolve} from "node:path";
import {pathToFileURL} from "node:url";

function parseArgs(argv) {
    const a = {tokens: 64, quick: false};
    for (let i = 0; i < argv.length; i++) {
        const k = argv[i];
        if (k === "--quick") a.quick = true;
        else if (k.startsWith("--") && i + 1 < argv.length) a[k.slice(2)] = argv[++i];
        else throw new Error(`unknown argument ${k}`);
    }
    for (const k of ["modules", "llmlab", "ckpt", "gguf", "tokenizer", "text"])
        if (!a[k]) throw new Error(`missing --${k}`);
    a.tokens = Number(a.tokens);
    return a;
}

let args;
try {
    args = parseArgs(process.argv.slice(2));
} catch (e) {
    console.error(`check-gguf: ${e.message}`);
    process.exit(2);
}

// llmlab, run as a program; its stdout as text.
function llmlab(cmdArgs, input) {
    const env = {...process.env, OMP_NUM_THREADS: String(args.threads ?? 1)}; // as many threads as llama.cpp
    const r = spawnSync(args.llmlab, cmdArgs, {input, env, maxBuffer: 1 << 28});
    if (r.status !== 0)
        throw new Error(`${args.llmlab} ${cmdArgs.join(" ")} failed (${r.status}): ${r.stderr}`);
    return {out: r.stdout.toString(), err: r.stderr.toString()};
}
const ids = (line) => (line.trim() ? line.trim().split(/\s+/).map(Number) : []);

// node-llama-cpp from the folder npm installed it in; the prebuilt binary or nothing.
process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = "true";
const require = createRequire(join(resolve(args.modules), "package.json"));
const {getLlama, LlamaLogLevel} = await import(pathToFileURL(require.resolve("node-llama-cpp")).href);
const llama = await getLlama({
    gpu: false,
    build: "never", // never compile llama.cpp (it would fetch its source from GitHub)
    usePrebuiltBinaries: true,
    skipDownload: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
});
const model = await llama.loadModel({modelPath: args.gguf, gpuLayers: 0});
const ctxSize = model.trainContextSize;
let failed = false;

// (a) tokenization of the validation text
{
    const text = readFileSync(args.text);
    const want = ids(llmlab(["tokenizer", "encode", "-t", args.tokenizer, args.text]).out);
    const got = Array.from(model.tokenize(text.toString("utf8"), true));
    let i = 0;
    while (i < want.length && i < got.length && want[i] === got[i]) i++;
    if (i === want.length && i === got.length) {
        console.log(`tokenization: ${args.text} (${text.length} bytes): ${want.length} tokens, all equal`);
    } else {
        failed = true;
        const show = (list) => list.slice(Math.max(0, i - 3), i + 4)
            .map((t) => `${t} ${JSON.stringify(model.detokenize([t], true))}`).join(", ");
        // where the first difference falls in the text: the bytes of the equal tokens before it
        const at = Buffer.byteLength(model.detokenize(want.slice(0, i), true));
        console.log(`tokenization: FAILED at token ${i} of ${want.length} (llama.cpp made ${got.length}),` +
                    ` byte ${at} of the text: ${JSON.stringify(text.subarray(Math.max(0, at - 20), at + 30).toString())}`);
        console.log(`  llmlab:    ${show(want)}`);
        console.log(`  llama.cpp: ${show(got)}`);
        console.log("  (tokens from 3 before the difference; a contraction or a run of spaces points at the" +
                    " pre-tokenizer, Day 5's pretok_next)");
    }
}

// (b) greedy generation, (c) speed
const prompts = args.quick ? ["The"] : ["The meaning of life is", "Once upon a time", "A computer"];
const threads = Number(args.threads ?? 1);
const context = await model.createContext({contextSize: ctxSize, batchSize: ctxSize, threads});
const sequence = context.getSequence();
let ourTokens = 0, ourSeconds = 0, theirTokens = 0, theirSeconds = 0;
for (const prompt of prompts) {
    const r = llmlab(["sample", "--ckpt", args.ckpt, "--prompt", prompt, "--temperature", "0", "--ids", "--tokens",
                      String(args.tokens)]);
    const [promptLine, madeLine] = r.out.split("\n");
    const promptIds = ids(promptLine), want = ids(madeLine);
    const speed = /(\d+) tokens in ([\d.]+) s/.exec(r.err);
    if (speed) ourTokens += Number(speed[1]), ourSeconds += Number(speed[2]);
    // up to args.tokens, within the model's context (llmlab stops after a special token, and
    // slides its window when the context is full, which llama.cpp does differently)
    const n = Math.min(want.length, ctxSize - promptIds.length);
    await sequence.clearHistory();
    const got = [];
    const t0 = performance.now();
    for await (const token of sequence.evaluate(promptIds, {temperature: 0, yieldEogToken: true})) {
        got.push(token);
        if (got.length >= n) break;
    }
    theirSeconds += (performance.now() - t0) / 1000, theirTokens += got.length;
    let i = 0;
    while (i < n && want[i] === got[i]) i++;
    const text = JSON.stringify(model.detokenize(want.slice(0, n), false));
    if (i === n) {
        console.log(`greedy generation: ${JSON.stringify(prompt)} (${promptIds.length} prompt tokens): ` +
                    `${n} tokens, all equal: ${text.length > 90 ? text.slice(0, 90) + '..."' : text}`);
    } else {
        failed = true;
        console.log(`greedy generation: ${JSON.stringify(prompt)}: FAILED at token ${i} of ${n}: ` +
                    `llmlab ${want.slice(i, i + 5).join(" ")}, llama.cpp ${got.slice(i, i + 5).join(" ")}`);
        console.log(`  llmlab's text: ${text}`);
    }
}
const rate = (t, s) => (s > 0 ? (t / s).toFixed(0) : "too fast to time, ?");
console.log(`speed, same model, ${prompts.length} prompts: llmlab ${rate(ourTokens, ourSeconds)} tokens/s ` +
            `(${ourTokens} tokens, KV cache), llama.cpp ${rate(theirTokens, theirSeconds)} tokens/s ` +
            `(${theirTokens} tokens, prompt included, CPU build, F32), ${threads} thread(s) each`);
await context.dispose();
await model.dispose();
await llama.dispose();
console.log(failed ? "check-gguf: FAILED" : "check-gguf: llama.cpp agrees with llmlab");
process.exit(failed ? 1 : 0);
