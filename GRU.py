"""Run the GRU forward and backward on seeded data, like RNN.py does for the basic RNN.

    python GRU.py

Sizes: n_x = 3 inputs, n_a = 5 hidden units, n_y = 2 classes, m = 10
examples, T_x = 4 time steps.
"""
from BackwardPropagation import gru_backward
from DataGenerator import GRUDataGenerator
from ForwardPropagation import gru_forward
from RNN import show


def main():
    x, a0, parameters, da = GRUDataGenerator()

    a, y_pred, caches = gru_forward(x, a0, parameters)
    print("Forward propagation: gru_forward(x, a0, parameters)")
    show("a[4][1]  hidden unit 4 of example 1, at t = 1..4:", a[4][1])
    show("a.shape  (n_a, m, T_x):", a.shape)
    show("y_pred[1][3]  P(class 1) for example 3, at t = 1..4:", y_pred[1][3])
    show("y_pred.shape  (n_y, m, T_x):", y_pred.shape)
    show("len(caches)  (list of cell caches, x):", len(caches))

    gradients = gru_backward(da, caches)
    print()
    print("Backward propagation: gru_backward(da, caches)")
    show("gradients['dx'][1][2]  input 1, example 2, t = 1..4:", gradients["dx"][1][2])
    show("gradients['dx'].shape  (n_x, m, T_x):", gradients["dx"].shape)
    show("gradients['da0'][2][3]  unit 2, example 3:", gradients["da0"][2][3])
    show("gradients['da0'].shape  (n_a, m):", gradients["da0"].shape)
    for gate in "ruc":
        show(f"gradients['dW{gate}'][3][1]:", gradients["dW" + gate][3][1])
        show(f"gradients['db{gate}'][4]:", gradients["db" + gate][4])
    show("every dW shape  (n_a, n_a + n_x):", gradients["dWr"].shape)
    show("every db shape  (n_a, 1):", gradients["dbr"].shape)


if __name__ == "__main__":
    main()
