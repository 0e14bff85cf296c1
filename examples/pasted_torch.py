# Pasted PyTorch code: convcalc reads the nn.Sequential, never runs it.
nn.Sequential(
    nn.Conv2d(3, 16, 3),
    nn.ReLU(),
    nn.Flatten(),
    nn.LazyLinear(10),
)
