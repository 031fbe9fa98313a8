"""BigGAN in the handout's TensorFlow 1.x style (extension 2): model, ops, architecture, scripts."""
