"""Training: read features, fit LightGBM (conditional logit), calibrate, blend, export ONNX."""
