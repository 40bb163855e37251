// make check-gguf, Week 3: llama.cpp chats with our GGUF export as `llmlab chat` does.
//
//   node tools/gguf/check_chat.mjs --modules DIR --llmlab BIN --ckpt CHAT_CKPT --gguf FILE [--threads 1]
//
// The file's tokenizer.chat_template (Jinja) is rendered as llama.cpp's chat renders it (the
// messages, add_generation_prompt = true; with @huggingface/jinja, which node-llama-cpp brings);
// the check wants (a) the prompt to be the course's format (chat_format(): marker, a space, the
// text, <|end|>, then <|assistant|>), token for token, and (b) llama.cpp's greedy reply to it,
// stopped at <|end|>, to be `llmlab chat --once`'s. (node-llama-cpp's own chat session
// renders an empty assistant turn and cuts it, which leaves "<|assistant|> " with the reply's
// space: not what llama-cli and llama-server do.)
import {spawnSync} from "node:child_process";
import {createRequire} from "node:module";
import {join, resolve} from "node:path";
import {pathToFileURL} from "node:url";

const args = {threads: "1"};
const argv = process.argv.slice(2);
for (let i = 0; i + 1 < argv.length; i += 2) args[argv[i].replace(/^--/, "")] = argv[i + 1];
for (const k of ["modules", "llmlab", "ckpt", "gguf"])
    if (!args[k]) {
        console.error(`check-gguf (chat): missing --${k}`);
        process.exit(2);
    }

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = "true";
const require = createRequire(join(resolve(args.modules), "package.json"));
const nlc = require.resolve("node-llama-cpp");
const {getLlama, LlamaLogLevel} = await import(pathToFileURL(nlc).href);
const {Template} = await import(pathToFileURL(createRequire(nlc).resolve("@huggingface/jinja")).href);
const llama = await getLlama({gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true,
                              progressLogs: false, logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath: args.gguf, gpuLayers: 0});
const source = model.fileInfo.metadata.tokenizer?.chat_template;
if (!source) {
    console.log("chat: FAILED: the file has no tokenizer.chat_template");
    process.exit(1);
}
const template = new Template(source);

const conversations = [
    {system: null, user: "Add 26 and 27."},
    {system: null, user: "Flip these words: old kid egg bag cup"},
    {system: "You help people.", user: "Order as in a dictionary: stone rice face mother"},
];
const context = await model.createContext({contextSize: model.trainContextSize, threads: Number(args.threads)});
const sequence = context.getSequence();
const end = model.tokenize("<|end|>", true)[0];
let failed = false;
for (const c of conversations) {
    const messages = [];
    if (c.system) messages.push({role: "system", content: c.system});
    messages.push({role: "user", content: c.user});
    const prompt = model.tokenize(template.render({messages, add_generation_prompt: true}), true);
    const want = (c.system ? `<|system|> ${c.system}<|end|>` : "") + `<|user|> ${c.user}<|end|><|assistant|>`;
    const wantIds = model.tokenize(want, true);
    const sameFormat = prompt.length === wantIds.length && prompt.every((t, i) => t === wantIds[i]);
    if (!sameFormat) {
        failed = true;
        console.log(`chat: FAILED: the template renders ${JSON.stringify(model.detokenize(prompt, true))}, ` +
                    `the course's format is ${JSON.stringify(want)}`);
        continue;
    }
    // llama.cpp's greedy reply, up to <|end|> (or a third of the context, like llmlab chat)
    const room = Math.floor(model.trainContextSize / 3);
    await sequence.clearHistory();
    const reply = [];
    for await (const t of sequence.evaluate(prompt, {temperature: 0, yieldEogToken: true})) {
        if (t === end || model.isSpecialToken(t) || reply.length >= room) break;
        reply.push(t);
    }
    const theirs = model.detokenize(reply, false).trim();
    const r = spawnSync(args.llmlab, ["chat", "--once", "--ckpt", args.ckpt, ...(c.system ? ["--system", c.system] : [])],
                        {input: c.user + "\n", env: {...process.env, OMP_NUM_THREADS: args.threads}});
    const ours = r.stdout.toString().trim();
    if (r.status !== 0 || ours !== theirs) {
        failed = true;
        console.log(`chat: FAILED on ${JSON.stringify(c.user)}: llmlab chat says ${JSON.stringify(ours)}, ` +
                    `llama.cpp ${JSON.stringify(theirs)}${r.status ? ` (llmlab: ${r.stderr})` : ""}`);
    } else {
        console.log(`chat: ${JSON.stringify(want)} -> ${JSON.stringify(ours)}: template and greedy reply equal`);
    }
}
await context.dispose();
await model.dispose();
await llama.dispose();
console.log(failed ? "check-gguf (chat): FAILED" : "check-gguf (chat): llama.cpp's chat uses the course's format");
process.exit(failed ? 1 : 0);
