// The sharp side of `make bench`: one long-lived Node process that makes
// thumbnails with sharp the way a Node service would, warm and in-process.
//
// It speaks the same line protocol as thumbbench's Go worker (bench/worker.go):
// one JSON request per line on stdin, one JSON answer per line on stdout.
//
//   {"image": PATH, "sizes": [256, 1024], "quality": 82, "out": PREFIX}
//     -> {"ms": 123.4, "usage": {"cpu_ms": ..., ...}, "files": [PREFIX-0.jpg, ...], "w": [...], "h": [...]}
//   {"rss": true} -> {"max_rss": BYTES}   (this process's peak RSS so far)
//
// Usage: node worker.js CORES [SHARP_DIR]
//   CORES 1: sharp.concurrency(1) and the sizes one after another, so that
//   one libvips thread does all the work (thumbbench also pins the process
//   to one CPU with taskset). CORES n > 1: sharp.concurrency(n) and every
//   size at once, as a service answering one upload would.
//
// Each size is its own sharp pipeline from the input buffer, so that
// libvips' shrink-on-load picks the cheapest JPEG scale for that size, as
// sharp's documentation recommends. The operation cache is off: every
// request stands for a new upload, and a cache hit on the same bytes would
// time a lookup instead of a thumbnail. Transparency is flattened over
// white, as imgpipe does; .rotate() applies the EXIF orientation.
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');

const cores = Number(process.argv[2] || '0');
if (!Number.isInteger(cores) || cores < 1) {
  process.stderr.write('usage: node worker.js CORES [SHARP_DIR] (CORES >= 1)\n');
  process.exit(2);
}
const sharpDir = process.argv[3] || path.join(__dirname, 'node_modules', 'sharp');
const sharp = require(sharpDir);
sharp.cache(false);
sharp.concurrency(cores);

const inputs = new Map(); // path -> Buffer, read once, outside the timing

function input(p) {
  let b = inputs.get(p);
  if (!b) {
    b = fs.readFileSync(p);
    inputs.set(p, b);
  }
  return b;
}

function thumb(buf, size, quality) {
  return sharp(buf, { limitInputPixels: false })
    .rotate()
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality })
    .toBuffer({ resolveWithObject: true });
}

// usageSince is what the whole process (every thread: libvips' workers,
// libuv's pool, V8's) used since the reading u0, in the Go worker's terms
// (bench/usage.go).
function usageSince(u0) {
  const u = process.resourceUsage();
  const user = (u.userCPUTime - u0.userCPUTime) / 1000;
  const sys = (u.systemCPUTime - u0.systemCPUTime) / 1000;
  return {
    cpu_ms: user + sys,
    user_ms: user,
    sys_ms: sys,
    minflt: u.minorPageFault - u0.minorPageFault,
    nvcsw: u.voluntaryContextSwitches - u0.voluntaryContextSwitches,
    nivcsw: u.involuntaryContextSwitches - u0.involuntaryContextSwitches,
  };
}

async function handle(req) {
  if (req.rss) {
    return { max_rss: process.resourceUsage().maxRSS * 1024 };
  }
  const buf = input(req.image);
  if (global.gc) global.gc(); // as the Go worker runs runtime.GC() before each run
  const u0 = process.resourceUsage();
  const start = process.hrtime.bigint();
  let outs;
  if (cores === 1) {
    outs = [];
    for (const s of req.sizes) outs.push(await thumb(buf, s, req.quality));
  } else {
    outs = await Promise.all(req.sizes.map((s) => thumb(buf, s, req.quality)));
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const res = { ms, usage: usageSince(u0), files: [], w: [], h: [] };
  outs.forEach((o, i) => {
    if (req.out) {
      const f = `${req.out}-${i}.jpg`;
      fs.writeFileSync(f, o.data);
      res.files.push(f);
    }
    res.w.push(o.info.width);
    res.h.push(o.info.height);
  });
  return res;
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
let queue = Promise.resolve();
rl.on('line', (line) => {
  queue = queue.then(async () => {
    let res;
    try {
      res = await handle(JSON.parse(line));
    } catch (e) {
      res = { error: String(e && e.message ? e.message : e) };
    }
    process.stdout.write(JSON.stringify(res) + '\n');
  });
});
rl.on('close', () => queue.then(() => process.exit(0)));
process.stdout.write(JSON.stringify({ ready: true, sharp: sharp.versions.sharp, vips: sharp.versions.vips, concurrency: sharp.concurrency() }) + '\n');
