"""BigGAN in the handout's TensorFlow 1.x style (handout 六.2): model, ops, architecture, scripts."""
