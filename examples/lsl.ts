import { App } from "myogestic";
import { LOOPBACK_LSL_CONFIG, LslOutlet, LslSource } from "myogestic/lsl";

// Keep discovery on this machine: queries go to 127.0.0.1 only, never to the network.
const config = LOOPBACK_LSL_CONFIG;

// A stand-in for an amplifier: 8 channels at 1 kHz, 20 samples every 20 ms.
const amplifier = await LslOutlet.open({ name: "DemoEMG", type: "EMG", channelCount: 8, nominalSrateHz: 1000, sourceId: "demo-amp" }, { config });
const pushing = setInterval(() => amplifier.pushChunk(new Float32Array(8 * 20).map(() => Math.random() - 0.5)), 20);

// Receive it by name, with its timestamps on this machine's clock.
const app = new App({ name: "LSL example" });
const emg = app.addStream({ name: "emg", source: new LslSource({ name: "DemoEMG", config }), windowMs: 200 });
await app.start();

// Publish one value 50 times a second, as a decoder drives a hand or a cursor.
const target = await LslOutlet.open({ name: "DemoTarget", channelCount: 1, channelFormat: "double64" }, { config, latestRateHz: 50 });
await new Promise<void>((resolve) => {
  const stop = emg.on("chunk", () => {
    const window = emg.getWindow();
    const meanSquare = window.data.reduce((sum, value) => sum + value * value, 0) / window.data.length;
    target.setLatest([Math.sqrt(meanSquare)]);
    if (emg.stats.samplesAccepted >= 500) {
      stop();
      resolve();
    }
  });
});
console.log(`received ${emg.nChannels} channels at ${emg.sampleRateHz} Hz; publishing RMS ${target.info.name}`);

clearInterval(pushing);
await app.stop();
await target.close();
await amplifier.close();
