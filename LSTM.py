"""Run the LSTM forward and backward on seeded data, like RNN.py does for the basic RNN.

    python LSTM.py

Sizes: n_x = 3 inputs, n_a = 5 hidden units, n_y = 2 classes, m = 10
examples, T_x = 4 time steps.
"""
from BackwardPropagation import lstm_backward
from DataGenerator import LSTMDataGenerator
from ForwardPropagation import lstm_forward
from RNN import show


def main():
    x, a0, parameters, da = LSTMDataGenerator()

    a, y, c, caches = lstm_forward(x, a0, parameters)
    print("Forward propagation: lstm_forward(x, a0, parameters)")
    show("a[4][1]  hidden unit 4 of example 1, at t = 1..4:", a[4][1])
    show("a.shape  (n_a, m, T_x):", a.shape)
    show("c[4][1]  cell state 4 of example 1, at t = 1..4:", c[4][1])
    show("c.shape  (n_a, m, T_x):", c.shape)
    show("y[1][3]  P(class 1) for example 3, at t = 1..4:", y[1][3])
    show("y.shape  (n_y, m, T_x):", y.shape)
    show("len(caches)  (list of cell caches, x):", len(caches))

    gradients = lstm_backward(da, caches)
    print()
    print("Backward propagation: lstm_backward(da, caches)")
    show("gradients['dx'][1][2]  input 1, example 2, t = 1..4:", gradients["dx"][1][2])
    show("gradients['dx'].shape  (n_x, m, T_x):", gradients["dx"].shape)
    show("gradients['da0'][2][3]  unit 2, example 3:", gradients["da0"][2][3])
    show("gradients['da0'].shape  (n_a, m):", gradients["da0"].shape)
    for gate in "fico":
        show(f"gradients['dW{gate}'][3][1]:", gradients["dW" + gate][3][1])
        show(f"gradients['db{gate}'][4]:", gradients["db" + gate][4])
    show("every dW shape  (n_a, n_a + n_x):", gradients["dWf"].shape)
    show("every db shape  (n_a, 1):", gradients["dbf"].shape)


if __name__ == "__main__":
    main()
