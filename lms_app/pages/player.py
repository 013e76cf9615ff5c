"""The course player: outline with each lesson's state, the lesson, progress."""
