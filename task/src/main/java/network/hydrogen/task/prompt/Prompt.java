package network.hydrogen.task.prompt;

/**
 * One part of a {@link Conjunction} that the text encoder turns into one conditioning tensor:
 * either a plain sequence of weighted fragments or a weighted blend of several such sequences.
 */
public sealed interface Prompt permits FlattenedPrompt, Blend {}
