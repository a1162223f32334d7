"""The pure core: inputs and context become a plan and the list of steps a run takes."""
