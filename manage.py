#!/usr/bin/env python
from siyu.__main__ import main

if __name__ == "__main__":
    main()
