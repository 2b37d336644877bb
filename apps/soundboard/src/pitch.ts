/**
 * Which pitch a listener heard: @cordwire/audio decodes the Opus frames and measures them (Goertzel
 * power, dominant pitch). Used by the emulator run and the tests to tell the sounds apart by ear.
 */
export { decodeOpusFrames as decodeFrames, dominantFrequency, goertzel } from '@cordwire/audio';
