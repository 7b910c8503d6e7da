// Exams visible to the signed-in staff member.
import { defineStore } from "pinia";
import { api } from "../api/client";
import { loadableList } from "./loadable";

export const useExamsStore = defineStore("exams", () => loadableList(async () => (await api.listExams()).exams));
