/**
 * Text tokenizers of the text encoders: {@link network.hydrogen.engine.tokenizer.ClipTokenizer}
 * turns a prompt into the token ids CLIP and OpenCLIP text encoders take.
 */
package network.hydrogen.engine.tokenizer;
