#!/usr/bin/env node
// The least a Node.js HTTP proxy can do: read the request body, send it to one upstream over a
// keep-alive undici pool, pipe the answer back. No parsing, routing, metrics or translation.
// The overhead benchmark runs it as the floor any Node router pays on this machine.
//   node minimal-proxy.mjs --port 9100 --upstream http://127.0.0.1:9001
import http from "node:http";
import { pipeline } from "node:stream";
import { Pool } from "undici";

const argv = process.argv.slice(2);
const option = (name) => argv[argv.indexOf(`--${name}`) + 1];
const upstream = new Pool(option("upstream"), { connections: 128, pipelining: 1 });

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    upstream.request(
      {
        path: request.url,
        method: request.method,
        headers: { "content-type": request.headers["content-type"] ?? "application/json" },
        body: Buffer.concat(chunks),
      },
      (error, answer) => {
        if (error) {
          response.writeHead(502).end();
          return;
        }
        const headers = {};
        const type = answer.headers["content-type"];
        if (type) headers["content-type"] = type;
        response.writeHead(answer.statusCode, headers);
        pipeline(answer.body, response, () => {});
      },
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(option("port")), "127.0.0.1", () => console.log("ready"));
