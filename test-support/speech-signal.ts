/**
 * Test helper: a speech-like sound made from first principles, for voice-activity tests
 * without a recording: silence (faint noise), then syllables of voiced speech — a
 * glottal pulse train (harmonics of a gliding pitch, falling off with frequency) shaped
 * by the formants of the vowels /a/, /i/, /u/, /e/, /o/, syllable by syllable with
 * consonant-like gaps — then silence again. Seeded: the same options give the same samples.
 */

/** Options of {@link speechLikeSignal}. */
export interface SpeechLikeOptions {
  /** @defaultValue 16000 */
  sampleRate?: number;
  /** Silence before the speech, in seconds. @defaultValue 1 */
  leadSeconds?: number;
  /** Voiced part, in seconds. @defaultValue 1.6 */
  speechSeconds?: number;
  /** Silence after the speech, in seconds. @defaultValue 1 */
  tailSeconds?: number;
  /** Peak amplitude of the voiced part. @defaultValue 0.5 */
  amplitude?: number;
  /** Amplitude of the background noise everywhere. @defaultValue 0.001 */
  noise?: number;
  /** @defaultValue 7 */
  seed?: number;
}

/** The samples and where the voiced part lies. */
export interface SpeechLikeSignal {
  samples: Float32Array;
  sampleRate: number;
  /** First and one-past-last sample of the voiced part. */
  speech: { start: number; end: number };
}

/** First three formants (Hz) of five vowels, as a male speaker says them. */
const VOWELS: ReadonlyArray<readonly [number, number, number]> = [
  [730, 1090, 2440], // a
  [270, 2290, 3010], // i
  [300, 870, 2240], // u
  [530, 1840, 2480], // e
  [570, 840, 2410], // o
];
const BANDWIDTHS = [90, 110, 170];
const SYLLABLE_SECONDS = 0.2;

/** Makes the signal (see the module comment). */
export function speechLikeSignal(options: SpeechLikeOptions = {}): SpeechLikeSignal {
  const { sampleRate = 16000, leadSeconds = 1, speechSeconds = 1.6, tailSeconds = 1, amplitude = 0.5, noise = 0.001, seed = 7 } = options;
  const start = Math.round(leadSeconds * sampleRate);
  const end = start + Math.round(speechSeconds * sampleRate);
  const samples = new Float32Array(end + Math.round(tailSeconds * sampleRate));
  let state = seed >>> 0 || 1;
  const random = () => {
    // xorshift32: uniform in [-1, 1)
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 31 - 1;
  };
  let phase = 0;
  for (let n = start; n < end; n++) {
    const t = (n - start) / sampleRate;
    const syllable = Math.floor(t / SYLLABLE_SECONDS);
    const within = t / SYLLABLE_SECONDS - syllable;
    // Pitch glides over the utterance (declination) with a small wobble per syllable.
    const f0 = 135 - 25 * (t / speechSeconds) + 8 * Math.sin(2 * Math.PI * (syllable * 0.7 + within));
    phase += f0 / sampleRate;
    // The vowel glides into the next one over the syllable's second half.
    const from = VOWELS[syllable % VOWELS.length]!;
    const to = VOWELS[(syllable + 1) % VOWELS.length]!;
    const mix = Math.max(0, within - 0.5) * 2;
    const formants = from.map((f, i) => f + (to[i]! - f) * mix);
    let value = 0;
    for (let k = 1; k * f0 < 4000; k++) {
      const frequency = k * f0;
      let gain = 0;
      formants.forEach((formant, i) => {
        const x = (frequency - formant) / BANDWIDTHS[i]!;
        gain += 1 / (1 + x * x) / (i + 1);
      });
      value += (gain / k ** 0.5) * Math.sin(2 * Math.PI * k * phase);
    }
    // Syllable envelope: a short consonant-like dip between syllables.
    const envelope = Math.sin(Math.PI * Math.min(1, within / 0.9)) ** 0.6 * (within < 0.9 ? 1 : 0.05);
    samples[n] = value * envelope;
  }
  let peak = 0;
  for (let n = start; n < end; n++) peak = Math.max(peak, Math.abs(samples[n]!));
  for (let n = 0; n < samples.length; n++) samples[n] = (samples[n]! / (peak || 1)) * amplitude + noise * random();
  return { samples, sampleRate, speech: { start, end } };
}
