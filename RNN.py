"""Run the RNN forward and backward on the tutorial's data (tutorial step 6).

    python RNN.py                  # the original tutorial's data and numbers
    python RNN.py --order course   # the course notebook's draw order (Waa before Wax)

Prints a few entries of every result together with its shape, the same
entries the original tutorial prints, so they can be compared with it.
Sizes: n_x = 3 inputs, n_a = 5 hidden units, n_y = 2 classes, m = 10
examples, T_x = 4 time steps.
"""
import argparse

from BackwardPropagation import rnn_backward
from DataGenerator import DRAW_ORDERS, DataGenerator
from ForwardPropagation import rnn_forward


def show(label, value):
    """Print one labelled result on its own line."""
    print(f"{label:<62} {value}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the RNN forward and backward on seeded data.")
    parser.add_argument("--order", choices=DRAW_ORDERS, default="tutorial",
                        help="the order of DataGenerator's draws: the original tutorial's (default) "
                             "or the course notebook's forward test (Waa before Wax)")
    args = parser.parse_args(argv)
    x, a0, parameters, da = DataGenerator(args.order)
    if args.order == "course":
        print("DataGenerator(order='course'): Waa drawn before Wax, as in the course's rnn_forward test\n")

    a, y_pred, caches = rnn_forward(x, a0, parameters)
    print("Forward propagation: rnn_forward(x, a0, parameters)")
    show("a[4][1]  hidden unit 4 of example 1, at t = 1..4:", a[4][1])
    show("a.shape  (n_a, m, T_x):", a.shape)
    show("y_pred[1][3]  P(class 1) for example 3, at t = 1..4:", y_pred[1][3])
    show("y_pred.shape  (n_y, m, T_x):", y_pred.shape)
    show("caches[1][1][3]  = x[1][3], input 1 of example 3:", caches[1][1][3])
    show("len(caches)  (list of cell caches, x):", len(caches))

    gradients = rnn_backward(da, caches)
    print()
    print("Backward propagation: rnn_backward(da, caches)")
    show("gradients['dx'][1][2]  dL/dx, input 1, example 2, t = 1..4:", gradients["dx"][1][2])
    show("gradients['dx'].shape  (n_x, m, T_x):", gradients["dx"].shape)
    show("gradients['da0'][2][3]  dL/da0, unit 2, example 3:", gradients["da0"][2][3])
    show("gradients['da0'].shape  (n_a, m):", gradients["da0"].shape)
    show("gradients['dWax'][3][1]  dL/dWax, row 3, column 1:", gradients["dWax"][3][1])
    show("gradients['dWax'].shape  (n_a, n_x):", gradients["dWax"].shape)
    show("gradients['dWaa'][1][2]  dL/dWaa, row 1, column 2:", gradients["dWaa"][1][2])
    show("gradients['dWaa'].shape  (n_a, n_a):", gradients["dWaa"].shape)
    show("gradients['dba'][4]  dL/dba, unit 4:", gradients["dba"][4])
    show("gradients['dba'].shape  (n_a, 1):", gradients["dba"].shape)


if __name__ == "__main__":
    main()
