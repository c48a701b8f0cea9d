"""Le harnais des tests de site : lire les .qmd comme Quarto, exécuter .qmd et notebooks dans
un noyau Jupyter coupé du réseau, vérifier la navigation et les liens du site."""
