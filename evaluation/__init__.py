"""Evaluation of trained GANs (handout extension 2): classifier, metrics, the Inception network."""
