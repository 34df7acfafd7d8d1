// Package train runs the vault's three phases on an agent.Net:
//
//  1. Pretrain: predictive learning for the belief network (every plan's
//     consequences) and instructed reward learning for the desire heads —
//     honest reports under "honest", plain lies under "lie". The desire reads
//     Detach(h) here for both architectures, so pre-training is shared.
//  2. Instructed: the activations of instructed episodes (greedy plans under
//     each instruction), labelled by the instruction — the deception probe's
//     only training data, as with real deception probes.
//  3. RL: instruction "honest", the overseer's proxy reward, and an Arm (the
//     training technique) that may shape the reward, add a loss, intervene at
//     hook sites or edit gradients. The update is REINFORCE with a learned
//     value baseline, value regression, an exact KL penalty to the
//     pre-trained policy over all plans, and continued predictive learning.
//
// Architectures: brain-like detaches h before the desire, so reward and any
// readout penalty reach only the value heads; the end-to-end twin lets them
// flow into the belief network. Nothing else differs.
//
// The arm abilities are small interfaces defined here, where they are
// consumed (RewardShaper, LossTerm, Intervener, GradEditor, StepObserver); an
// arm implements whichever it needs.
package train
