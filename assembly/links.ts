// The 'links' contention model's bookings (src/engine/links.ts RunModel.arriveAll) in WebAssembly (AssemblyScript).
//
// The host owns the memory (RunModel lays it out; `init` is given where each array starts, as byte offsets): the
// trains' routes (int32 × 4: first and last port's field offsets in `link`, the two runs' numbers, −1: none; −2 first:
// walked by the host), their flows, the step's packets per flow, the link records (float64 × 5: free, last, before,
// packet time, head latency), per distinct run the step's lead and busiest record (float64, int32) and its shape
// (float64 × 2: head latency, slowest packet time), and each train's arrival. Every operation is the TypeScript
// model's, in its order (WebAssembly's float64 add, multiply and compare are IEEE's, as JavaScript's), so the times
// are the same bit for bit; what it saves is V8's checks on every typed-array access of the JavaScript loop.
const WALK: i32 = -2;
const FREE: usize = 0;
const LAST: usize = 8;
const BEFORE: usize = 16;
const TAU: usize = 24;
const HEAD: usize = 32;

let routeP: usize = 0;
let sendsP: usize = 0;
let packetsP: usize = 0;
let linkP: usize = 0;
let stepP: usize = 0;
let shapeP: usize = 0;
let outP: usize = 0;

/** Where the host laid out each array (byte offsets). */
export function init(route: usize, sends: usize, packets: usize, link: usize, step: usize, shape: usize, out: usize): void {
  routeP = route;
  sendsP = sends;
  packetsP = packets;
  linkP = link;
  stepP = step;
  shapeP = shape;
  outP = out;
}

/** RunModel.take: n packets booked on the link whose fields start at l for a head arriving at `at`; when they begin. */
function take(l: i32, at: f64, n: f64): f64 {
  const p = linkP + ((<usize>l) << 3);
  const work = n * load<f64>(p, TAU);
  const free = load<f64>(p, FREE);
  const last = load<f64>(p, LAST);
  if (at < last) {
    const before = load<f64>(p, BEFORE);
    const early = at < before ? before : at;
    if (early + work <= last) {
      store<f64>(p, early + work, BEFORE);
      return early;
    }
  }
  const begin = at < free ? free : at;
  store<f64>(p, free, BEFORE);
  store<f64>(p, begin, LAST);
  store<f64>(p, begin + work, FREE);
  return begin;
}

/** A port's booking held in locals written back into its record l (none with l < 0). */
function hold(l: i32, free: f64, last: f64, before: f64): void {
  if (l < 0) return;
  const p = linkP + ((<usize>l) << 3);
  store<f64>(p, free, FREE);
  store<f64>(p, last, LAST);
  store<f64>(p, before, BEFORE);
}

/**
 * RunModel.arriveAll's loop: trains from..to − 1 released at `release`, each one's arrival (−1: no packets) at its
 * index in the arrivals; returns the first walked train's index (the host books it and goes on after it), else `to`.
 */
export function arriveAll(from: i32, to: i32, release: f64): i32 {
  let port: i32 = -1;
  let free: f64 = 0;
  let last: f64 = 0;
  let before: f64 = 0;
  let tau: f64 = 0;
  let portHead: f64 = 0;
  for (let i = from; i < to; i++) {
    const k = load<i32>(packetsP + ((<usize>load<i32>(sendsP + ((<usize>i) << 2))) << 2));
    const o = outP + ((<usize>i) << 3);
    if (k <= 0) {
      store<f64>(o, -1);
      continue;
    }
    const n = <f64>k;
    const r = routeP + ((<usize>i) << 4);
    let l = load<i32>(r);
    if (l == WALK) {
      hold(port, free, last, before);
      return i;
    }
    if (l != port) {
      hold(port, free, last, before);
      port = l;
      const p = linkP + ((<usize>l) << 3);
      free = load<f64>(p, FREE);
      last = load<f64>(p, LAST);
      before = load<f64>(p, BEFORE);
      tau = load<f64>(p, TAU);
      portHead = load<f64>(p, HEAD);
    }
    const work = n * tau;
    const early = release < before ? before : release;
    let begin = early;
    if (release < last && early + work <= last) before = early + work;
    else {
      begin = release < free ? free : release;
      before = free;
      last = begin;
      free = begin + work;
    }
    let head = begin + portHead;
    let tail = head + <f64>(k - 1) * tau;
    let u = load<i32>(r, 8);
    if (u >= 0) {
      let s = stepP + ((<usize>u) << 4);
      let h = shapeP + ((<usize>u) << 4);
      let at = head + load<f64>(s);
      let run = load<f64>(h);
      begin = take(load<i32>(s, 8), at, n);
      head += run + (begin - at);
      tail += run;
      let spread = head + <f64>(k - 1) * load<f64>(h, 8);
      if (tail < spread) tail = spread;
      u = load<i32>(r, 12);
      if (u >= 0) {
        s = stepP + ((<usize>u) << 4);
        h = shapeP + ((<usize>u) << 4);
        at = head + load<f64>(s);
        run = load<f64>(h);
        begin = take(load<i32>(s, 8), at, n);
        head += run + (begin - at);
        tail += run;
        spread = head + <f64>(k - 1) * load<f64>(h, 8);
        if (tail < spread) tail = spread;
      }
    }
    l = load<i32>(r, 4);
    if (l == port) {
      hold(port, free, last, before);
      port = -1;
    }
    begin = take(l, head, n);
    const lastIn = begin + <f64>(k - 1) * load<f64>(linkP + ((<usize>l) << 3), TAU);
    store<f64>(o, (lastIn < tail ? tail : lastIn) + load<f64>(linkP + ((<usize>l) << 3), HEAD));
  }
  hold(port, free, last, before);
  return to;
}
