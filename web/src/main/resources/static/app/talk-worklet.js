// Push-to-talk capture (AudioWorklet, loaded by live.js with audioWorklet.addModule, so it is a same-origin
// script file as the CSP wants): the microphone at the context's rate, resampled to 16 kHz mono, posted to
// the page as 320-sample (20 ms) Int16Array frames.

const OUT_RATE = 16000;
const FRAME = 320;

class TalkCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / OUT_RATE; // input samples per output sample
    this.position = 0; // where the next output sample falls, relative to the current input block
    this.last = 0; // the previous block's last input sample, for interpolation across blocks
    this.frame = new Int16Array(FRAME);
    this.filled = 0;
    this.port.onmessage = (e) => {
      if (e.data === 'stop') this.stopped = true;
    };
  }

  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (this.stopped) return false;
    if (!input) return true;
    while (this.position < input.length) {
      const i = Math.floor(this.position);
      const t = this.position - i;
      const a = i === 0 ? this.last : input[i - 1];
      const b = input[i];
      const value = Math.max(-1, Math.min(1, a + (b - a) * t));
      this.frame[this.filled++] = Math.round(value * 32767);
      if (this.filled === FRAME) {
        this.port.postMessage(this.frame, [this.frame.buffer]);
        this.frame = new Int16Array(FRAME);
        this.filled = 0;
      }
      this.position += this.step;
    }
    this.position -= input.length;
    this.last = input[input.length - 1];
    return true;
  }
}

registerProcessor('doorward-talk', TalkCapture);
